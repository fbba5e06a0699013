#!/usr/bin/env bash
# Replication lag between the sites of a running deployment under each WAN profile of
# deploy/chaos.sh, applied to one site's WAN links while the load generator keeps writes flowing
# at every site. Prints a markdown table; see docs/benchmarks.md ("Replication lag per WAN profile").
#
#   replication/bench/wan-lag.sh                       # project multisite, site-c shaped, 60 s per profile at 15 ops/s
#   COMPOSE_PROJECT_NAME=multisite-systemtest SECONDS_PER_PROFILE=90 RATE=15 replication/bench/wan-lag.sh
#
# Lag is the services' own timer (replication.lag: commit at the origin to the apply committed
# here), read as the growth of its histogram buckets over each profile's run, so the runs do not
# mix; a quantile is reported as the upper bound of the bucket it falls in.
set -euo pipefail
cd "$(dirname "$0")/../.."

PROJECT="${COMPOSE_PROJECT_NAME:-multisite}"
SHAPED="${SHAPED_SITE:-site-c}"
OTHER="${OTHER_SITE:-site-a}"
RUN_SECONDS="${SECONDS_PER_PROFILE:-60}"
RATE="${RATE:-15}"
export COMPOSE_PROJECT_NAME="$PROJECT"

[[ $RUN_SECONDS =~ ^[0-9]+$ ]] && ((RUN_SECONDS >= 10 && RUN_SECONDS <= 600)) \
    || { echo "SECONDS_PER_PROFILE must be 10..600" >&2; exit 2; }

container() { # <service> <site>: the running container of that compose service
    docker ps --filter "label=com.docker.compose.project=${PROJECT}" \
        --filter "label=com.docker.compose.service=$1-${2#site-}" --format '{{.Names}}' | head -n 1
}

# Cumulative bucket counts "le count" of replication.lag at <site> for changes from <origin>,
# summed over tables.
buckets() {
    docker exec "$(container replication "$1")" curl -fsS localhost:8080/actuator/prometheus \
        | awk -v origin="$2" '
            /^replication_lag_seconds_bucket\{/ && index($0, "origin=\"" origin "\"") {
                match($0, /[{,]le="[^"]+"/); le = substr($0, RSTART + 5, RLENGTH - 6); sum[le] += $NF
            }
            END { for (le in sum) print le, sum[le] }' | sort -g
}

# "p50 p99 count" in ms from two bucket snapshots (files), by the growth of each bucket.
quantiles() {
    awk 'NR == FNR { before[$1] = $2; next }
        { le[++n] = $1; grown[n] = $2 - before[$1] }
        END {
            total = grown[n]
            if (total <= 0) { print "-", "-", 0; exit }
            for (i = 1; i <= n; i++) {
                if (p50 == "" && grown[i] >= 0.50 * total) p50 = le[i]
                if (p99 == "" && grown[i] >= 0.99 * total) p99 = le[i]
            }
            printf "%s %s %d\n", (p50 == "+Inf" ? p50 : sprintf("%.0f", p50 * 1000)),
                                 (p99 == "+Inf" ? p99 : sprintf("%.0f", p99 * 1000)), total
        }' "$1" "$2"
}

work=$(mktemp -d)
trap 'deploy/chaos.sh wan "$SHAPED" off >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

run_profile() { # <label> <chaos wan args...>
    local label=$1
    shift
    if (($# > 0)); then
        local rc=0
        deploy/chaos.sh wan "$SHAPED" "$@" >"$work/chaos.out" 2>&1 || rc=$?
        if ((rc == 3)); then
            printf '| %s | not available: %s | | |\n' "$label" "$(tail -n 1 "$work/chaos.out")"
            return
        elif ((rc != 0)); then
            cat "$work/chaos.out" >&2
            exit 1
        fi
    fi
    buckets "$OTHER" "$SHAPED" >"$work/in.before"
    buckets "$SHAPED" "$OTHER" >"$work/out.before"
    docker compose --profile load run --rm -e DURATION="PT${RUN_SECONDS}S" -e RATE="$RATE" load-generator \
        >"$work/load.out" 2>&1 || true
    buckets "$OTHER" "$SHAPED" >"$work/in.after"
    buckets "$SHAPED" "$OTHER" >"$work/out.after"
    deploy/chaos.sh wan "$SHAPED" off >/dev/null
    read -r in50 in99 inN < <(quantiles "$work/in.before" "$work/in.after")
    read -r out50 out99 outN < <(quantiles "$work/out.before" "$work/out.after")
    local ok
    ok=$(grep -o 'ok=[0-9]* ([0-9.]*%)' "$work/load.out" | tail -n 1 || true)
    printf '| %s | %s / %s ms (%s rows) | %s / %s ms (%s rows) | %s |\n' \
        "$label" "$in50" "$in99" "$inN" "$out50" "$out99" "$outN" "${ok:-no summary}"
}

echo "project ${PROJECT}: WAN profiles on ${SHAPED}, load ${RATE} ops/s for ${RUN_SECONDS} s each; lag p50 / p99"
echo
echo "| profile on ${SHAPED} | ${SHAPED} -> ${OTHER} | ${OTHER} -> ${SHAPED} | load generator |"
echo "|---|---|---|---|"
run_profile "none"
run_profile "lossy 5%" lossy 5
run_profile "lossy 30%" lossy 30
run_profile "bandwidth 1mbit" bandwidth 1mbit
run_profile "latency cross-city" latency cross-city
