#!/bin/bash
# PostgreSQL 15 (Debian) for one site, with logical decoding enabled for CDC (Debezium).
#
# First start (no $PGDATA/PG_VERSION): initdb into "$PGDATA.init", configure, start a
# temporary server on the unix socket only, create roles + databases, stop it, then
# rename the directory to $PGDATA (atomic: an interrupted init is redone on next start).
# Every start then execs `postgres` in the foreground as user postgres. So
# `pg_isready -h 127.0.0.1` only succeeds once the initialisation is complete.
#
# Env:
#   PG_PASSWORD          password of every role below (default: multisite; demo only)
#   PG_DATABASES         space-separated "database:owner_role" pairs
#                        (default: "accounts:account_service news:news_service")
#   PG_REPLICATION_ROLE  LOGIN REPLICATION role, member of every owner role, so it counts
#                        as table owner (Debezium publication.autocreate.mode=filtered) and
#                        can apply replicated rows (default: replication)
#   PGDATA               default /var/lib/postgresql/data/pgdata (volume: its parent dir)
# Extra server settings: pass them as arguments, e.g. `command: ["-c", "max_connections=200"]`.
# Files /docker-entrypoint-initdb.d/*.sql (run by psql as postgres, database postgres) and
# *.sh (sourced) run once, at the end of the first initialisation.
set -euo pipefail

: "${PGDATA:=/var/lib/postgresql/data/pgdata}"
export PGDATA
SOCKET_DIR=/var/run/postgresql

# Started as root: fix ownership of the volume, then re-exec as user postgres.
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$(dirname "$PGDATA")" "$SOCKET_DIR"
  chown postgres:postgres "$(dirname "$PGDATA")" "$SOCKET_DIR"
  if [ -d "$PGDATA" ] && [ "$(stat -c %U "$PGDATA")" != postgres ]; then
    chown -R postgres:postgres "$PGDATA"
  fi
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

log() { echo "[entrypoint] $*"; }
die() { echo "[entrypoint] ERROR: $*" >&2; exit 1; }

: "${PG_PASSWORD:=multisite}"
: "${PG_DATABASES:=accounts:account_service news:news_service}"
: "${PG_REPLICATION_ROLE:=replication}"

ident_re='^[a-z_][a-z0-9_]*$'

init_cluster() {
  local dir="$PGDATA.init"
  rm -rf "$dir"
  log "initialising new cluster in $dir"
  initdb -D "$dir" --username=postgres --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null

  cat >> "$dir/postgresql.conf" <<'CONF'

# ---- multisite (deploy/postgres/entrypoint.sh) ----
listen_addresses = '*'
wal_level = logical              # logical decoding for CDC (Debezium pgoutput)
max_wal_senders = 10
max_replication_slots = 10
synchronous_commit = on
password_encryption = scram-sha-256
CONF

  cat > "$dir/pg_hba.conf" <<'HBA'
# TYPE  DATABASE     USER  ADDRESS     METHOD
local   all          all               trust
local   replication  all               trust
host    all          all   0.0.0.0/0   scram-sha-256
host    all          all   ::/0        scram-sha-256
host    replication  all   0.0.0.0/0   scram-sha-256
host    replication  all   ::/0        scram-sha-256
HBA

  # Temporary server: unix socket only, so nothing (healthcheck, clients) sees it over TCP.
  pg_ctl -D "$dir" -w -t 60 -s \
    -o "-c listen_addresses='' -c unix_socket_directories=$SOCKET_DIR" start

  local psql=(psql -X -q -v ON_ERROR_STOP=1 -h "$SOCKET_DIR" -U postgres -d postgres
              -v "pw=$PG_PASSWORD" -v "repl=$PG_REPLICATION_ROLE")
  [[ $PG_REPLICATION_ROLE =~ $ident_re ]] || die "bad role name '$PG_REPLICATION_ROLE'"
  "${psql[@]}" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN REPLICATION PASSWORD %L', :'repl', :'pw') \gexec
SQL
  local pair db owner
  for pair in $PG_DATABASES; do
    db=${pair%%:*}; owner=${pair#*:}
    [[ $pair == *:* && $db =~ $ident_re && $owner =~ $ident_re ]] \
      || die "bad PG_DATABASES entry '$pair' (want database:owner, lower-case identifiers)"
    log "creating database $db owned by $owner"
    "${psql[@]}" -v "db=$db" -v "owner=$owner" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'owner', :'pw')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner') \gexec
SELECT format('GRANT %I TO %I', :'owner', :'repl')
 WHERE NOT pg_has_role(:'repl', :'owner', 'MEMBER') \gexec
SQL
  done

  local f
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sql) log "running $f"; "${psql[@]}" -f "$f" ;;
      *.sh)  log "sourcing $f"; PGHOST=$SOCKET_DIR PGUSER=postgres . "$f" ;;
      *) ;;
    esac
  done

  pg_ctl -D "$dir" -m fast -w -t 60 -s stop
  mv "$dir" "$PGDATA"
  log "initialisation complete"
}

if [ -s "$PGDATA/PG_VERSION" ]; then
  log "existing cluster in $PGDATA (PostgreSQL $(cat "$PGDATA/PG_VERSION")), skipping init"
else
  if [ -d "$PGDATA" ]; then
    rmdir "$PGDATA" 2>/dev/null || die "$PGDATA exists, is not empty and has no PG_VERSION"
  fi
  init_cluster
fi

exec postgres -D "$PGDATA" "$@"
