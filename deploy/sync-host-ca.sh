#!/bin/sh
# Copies the CA certificates that this host added locally (Debian/Ubuntu:
# /usr/local/share/ca-certificates/*.crt, e.g. a TLS-intercepting proxy's CA) into
# deploy/ca-certificates/, so that the Maven build stage of deploy/Dockerfile trusts
# them too. Idempotent; does nothing where the host has no such certificates.
# Run before `docker compose build` / `up --build` (e.g. in .ci/run).
set -eu
src=${HOST_CA_DIR:-/usr/local/share/ca-certificates}
dst=$(dirname "$0")/ca-certificates
n=0
for f in "$src"/*.crt "$src"/*/*.crt; do
  [ -f "$f" ] || continue
  cmp -s "$f" "$dst/$(basename "$f")" 2>/dev/null || cp "$f" "$dst/"
  n=$((n + 1))
done
echo "sync-host-ca: $n certificate(s) from $src in $dst"
