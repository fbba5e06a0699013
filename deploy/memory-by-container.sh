#!/usr/bin/env bash
# Prints, for each running container of a compose project, its memory limit and the anonymous
# memory it held (what the kernel cannot drop; page cache is left out), sampled every 2 s over an
# interval: last value and peak. Run it beside a test or a load to see how close each limit came.
#
#   deploy/memory-by-container.sh [project] [seconds]      # defaults: multisite 60
#
# Works with cgroup v1 (memory.stat rss) and v2 (memory.stat anon).
set -euo pipefail

project=${1:-multisite}
seconds=${2:-60}

anon_bytes() { # anon_bytes <container id> -> anonymous memory of the container's cgroup, 0 once it is gone
  local v1=/sys/fs/cgroup/memory/docker/$1/memory.stat
  local v2=/sys/fs/cgroup/system.slice/docker-$1.scope/memory.stat
  local bytes=""
  if [ -r "$v1" ]; then bytes=$(awk '$1 == "total_rss" { print $2 }' "$v1" 2>/dev/null || true)
  elif [ -r "$v2" ]; then bytes=$(awk '$1 == "anon" { print $2 }' "$v2" 2>/dev/null || true)
  fi
  echo "${bytes:-0}"
}

# By name, looked up at every sample: a container that a test or `docker compose up` recreates
# comes back with another id, and one that goes away between two commands is skipped.
declare -A limits=() last=() peak=()
sample() {
  local id limit name
  while read -r id limit name; do
    name=${name#/}
    [ -n "$name" ] || continue   # a line from a container that went away mid-command
    [ -n "${limits[$name]:-}" ] || { limits[$name]=$limit; peak[$name]=0; }
    last[$name]=$(anon_bytes "$id")
    if (( last[$name] > peak[$name] )); then peak[$name]=${last[$name]}; fi
  done < <(docker ps -q --no-trunc --filter "label=com.docker.compose.project=$project" \
             | xargs -r docker inspect -f '{{.Id}} {{.HostConfig.Memory}} {{.Name}}' 2>/dev/null || true)
}

sample
[ ${#limits[@]} -gt 0 ] || { echo "no running containers in project $project" >&2; exit 1; }
deadline=$(( $(date +%s) + seconds ))
while (( $(date +%s) < deadline )); do
  sleep 2   # the sampling period of a bounded loop
  sample
done

printf '%-40s %9s %9s %9s %6s\n' container limit last peak peak%
total_limit=0 total_peak=0
for name in "${!limits[@]}"; do
  total_limit=$(( total_limit + limits[$name] )); total_peak=$(( total_peak + peak[$name] ))
done
for name in "${!limits[@]}"; do
  awk -v n="$name" -v l="${limits[$name]}" -v a="${last[$name]}" -v p="${peak[$name]}" 'BEGIN {
    m = 1048576; printf "%-40s %7.0fMB %7.0fMB %7.0fMB %5.0f%%\n", n, l / m, a / m, p / m, l ? p * 100 / l : 0 }'
done | sort
awk -v l="$total_limit" -v p="$total_peak" 'BEGIN { m = 1048576; printf "%-40s %7.0fMB %9s %7.0fMB\n", "all (peaks added)", l / m, "", p / m }'
