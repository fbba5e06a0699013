#!/usr/bin/env bash
# Prints the CPU used by each running container of a compose project over an interval, from
# the kernel's cgroup accounting, plus the whole host (engine, healthcheck execs, kernel included).
#
#   deploy/cpu-by-container.sh [project] [seconds]      # defaults: multisite 30
#
# 100% = one core. Works with cgroup v1 (cpuacct) and v2 (cpu.stat).
set -euo pipefail

project=${1:-multisite}
seconds=${2:-30}

usage_ns() { # usage_ns <container id> -> cumulative CPU time in nanoseconds
  local v1=/sys/fs/cgroup/cpuacct/docker/$1/cpuacct.usage
  local v2=/sys/fs/cgroup/system.slice/docker-$1.scope/cpu.stat
  if [ -r "$v1" ]; then cat "$v1"
  elif [ -r "$v2" ]; then awk '/^usage_usec/ { print $2 * 1000 }' "$v2"
  else echo "no cgroup accounting found for $1" >&2; exit 1
  fi
}
host_ns() {
  if [ -r /sys/fs/cgroup/cpuacct/cpuacct.usage ]; then cat /sys/fs/cgroup/cpuacct/cpuacct.usage
  else awk '/^usage_usec/ { print $2 * 1000 }' /sys/fs/cgroup/cpu.stat
  fi
}

mapfile -t ids < <(docker ps -q --no-trunc --filter "label=com.docker.compose.project=$project")
[ ${#ids[@]} -gt 0 ] || { echo "no running containers in project $project" >&2; exit 1; }
declare -A before names
for id in "${ids[@]}"; do
  before[$id]=$(usage_ns "$id")
  names[$id]=$(docker inspect -f '{{.Name}}' "$id")
done
host_before=$(host_ns); start=$(date +%s%N)
sleep "$seconds"   # the measurement interval itself
host_after=$(host_ns); elapsed=$(( $(date +%s%N) - start ))

# The sum is taken here, not inside the loop that feeds sort: that loop runs in a subshell.
total=0
lines=()
for id in "${ids[@]}"; do
  used=$(( $(usage_ns "$id") - before[$id] ))
  total=$(( total + used ))
  lines+=("$(awk -v n="${names[$id]#/}" -v u="$used" -v e="$elapsed" 'BEGIN { printf "%-40s %6.1f%%", n, u * 100 / e }')")
done
printf '%s\n' "${lines[@]}" | sort -k2 -rn
awk -v u="$total" -v e="$elapsed" 'BEGIN { printf "%-40s %6.1f%%\n", "all containers", u * 100 / e }'
awk -v u="$(( host_after - host_before ))" -v e="$elapsed" 'BEGIN { printf "%-40s %6.1f%%\n", "host", u * 100 / e }'
