#!/usr/bin/env bash
# Chaos tooling for the three-site demo (docker-compose.yml): kill and restart a site, cut it
# off the WAN, and degrade its WAN links. It acts on containers by label, so it works on any
# project that follows the same conventions (the demo, the system tests' project, a test's
# own miniature project):
#   com.docker.compose.project=<project>   multisite.site=<site>   network <project>_wan
#
# Exit codes: 0 done, 1 failed, 2 usage, 3 latency profile requested but the kernel has no netem.
set -euo pipefail

PROJECT="${COMPOSE_PROJECT_NAME:-multisite}"
WAN="${PROJECT}_wan"
# What `partition` removed, so that `heal` can put back exactly that (aliases are how the
# sites find each other). Outside the repository and without labels: it is per machine state.
STATE_DIR="${XDG_RUNTIME_DIR:-/tmp}/multisite-chaos/${PROJECT}"
START_TIMEOUT="${CHAOS_START_TIMEOUT:-600}"

usage() {
    cat >&2 <<EOF
usage: $(basename "$0") <command> [args]     (project: \$COMPOSE_PROJECT_NAME, now '${PROJECT}')

  kill <site>                        docker kill every running container of the site
  start <site>                       start the site's containers, wait until all are healthy
  partition <site>                   disconnect the site's containers from ${WAN}
  heal <site>                        reconnect them, with their network aliases
  wan <site> lossy <percent>         drop that share of incoming WAN packets (iptables)
  wan <site> bandwidth <rate>        cap outgoing WAN bandwidth (tc tbf), e.g. 1mbit, 500kbit
  wan <site> latency <profile>       same-city (~1 ms RTT), cross-city (~50 ms RTT),
                                     cross-country (~3 s RTT); needs the netem qdisc
  wan <site> off                     remove every loss rule and bandwidth/latency qdisc
  status [site]                      per container: WAN membership, loss rules, root qdisc

A site is the value of the multisite.site label, e.g. site-c.
EOF
    exit 2
}

die() {
    echo "chaos: $*" >&2
    exit 1
}

# ---- containers ------------------------------------------------------------------------

# Names of the project's containers of one site (every state), sorted for stable output.
site_containers() {
    docker ps -a --filter "label=com.docker.compose.project=${PROJECT}" --filter "label=multisite.site=$1" \
        --format '{{.Names}}' | sort
}

require_site() {
    local site=$1
    [[ $site =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || usage
    CONTAINERS=()
    mapfile -t CONTAINERS < <(site_containers "$site")
    ((${#CONTAINERS[@]} > 0)) || die "no container of project '${PROJECT}' carries the label multisite.site=${site}"
}

# Everything the commands need to know about a container, from one `docker inspect` (each
# call costs the engine noticeable CPU on a small machine). Sets F_ID, F_STATE, F_WAN (on/off),
# F_IP (WAN address), F_ALIASES (WAN aliases), F_STATIC (fixed WAN address, if any), F_SITE,
# F_SERVICE, F_RECORD (where partition keeps what it removed).
facts() {
    local format
    format="{{.Id}}|{{.State.Status}}|{{with index .NetworkSettings.Networks \"${WAN}\"}}on|{{.IPAddress}}|"
    format+="{{range .Aliases}}{{.}} {{end}}|{{with .IPAMConfig}}{{.IPv4Address}}{{end}}{{else}}off|||{{end}}|"
    format+='{{index .Config.Labels "multisite.site"}}|{{index .Config.Labels "com.docker.compose.service"}}'
    IFS='|' read -r F_ID F_STATE F_WAN F_IP F_ALIASES F_STATIC F_SITE F_SERVICE < <(docker inspect -f "$format" "$1")
    F_RECORD="${STATE_DIR}/${F_ID}"
}

# ---- code run inside a container (as root: Kafka and the services run as other users) ----

# One script for every in-container action, so the interface lookup and the rule bookkeeping
# live in one place. Arguments: <action> <wan ip> [values...]. Needs only bash, iproute2 and
# iptables, which every image on the WAN carries.
read -r -d '' REMOTE <<'REMOTE_SCRIPT' || true
set -euo pipefail
action=$1 ip=$2
shift 2
tag=multisite-chaos

# Interface names change when a container is reconnected (eth1 becomes eth2), so the WAN
# interface is found by the address Docker gave the container on the WAN network.
dev=""
if [[ -n $ip ]]; then
    while read -r _ name _ addr _; do
        if [[ ${addr%/*} == "$ip" ]]; then dev=$name; fi
    done < <(ip -o -4 addr show)
    if [[ -z $dev ]]; then echo "no interface carries the WAN address $ip" >&2; exit 4; fi
fi

# Deletes by line number, highest first: deleting by rule text would need the probability
# exactly as the kernel rounded it.
remove_rules() {
    local numbers=() number rest
    while read -r number rest; do
        if [[ $rest == *"/* $tag */"* ]]; then numbers=("$number" "${numbers[@]}"); fi
    done < <(iptables -w -L INPUT -n --line-numbers)
    for number in "${numbers[@]}"; do iptables -w -D INPUT "$number"; done
    echo "${#numbers[@]}"
}

# Our loss rules as percentages; rules left on an interface that no longer exists count too.
loss_rules() {
    local line out=()
    while read -r line; do
        if [[ $line == *"--comment $tag"* && $line =~ --probability\ ([0-9.]+) ]]; then
            out+=("$(awk -v p="${BASH_REMATCH[1]}" 'BEGIN { printf "%g%%", p * 100 }')")
        fi
    done < <(iptables -w -S INPUT)
    echo "${out[*]:-none}"
}

root_qdisc() {
    tc qdisc show dev "$dev" root | head -n 1 | sed -e 's/^qdisc //' -e 's/ refcnt [0-9]*//' -e 's/ *$//'
}

# The kernel's default root qdisc has handle 0:; anything else was put there (by us).
has_own_root_qdisc() {
    local q
    q=$(tc qdisc show dev "$dev" root)
    [[ -n $q && ! $q =~ ^qdisc\ [a-z_]+\ 0: ]]
}

case $action in
    lossy)
        removed=$(remove_rules)
        if [[ $1 == 0 ]]; then
            echo "$dev: no loss (removed $removed earlier rule(s))"
        else
            iptables -w -I INPUT 1 -i "$dev" -m statistic --mode random --probability "$1" \
                -m comment --comment "$tag" -j DROP
            echo "$dev: drops $2% of incoming packets (replaced $removed earlier rule(s))"
        fi
        ;;
    bandwidth)
        tc qdisc replace dev "$dev" root tbf rate "$1" burst "$2" latency 200ms
        echo "$dev: outgoing traffic capped: $(root_qdisc)"
        ;;
    latency)
        # `replace` is atomic: when the qdisc kind is unknown, whatever was there stays.
        if ! err=$(tc qdisc replace dev "$dev" root netem delay "$1" "$2" limit 100000 2>&1); then
            echo "$err" >&2
            if [[ $err == *"qdisc kind is unknown"* ]]; then exit 3; fi
            exit 1
        fi
        echo "$dev: outgoing packets delayed: $(root_qdisc)"
        ;;
    off)
        removed=$(remove_rules)
        if has_own_root_qdisc; then
            was=$(root_qdisc)
            tc qdisc del dev "$dev" root
            echo "$dev: removed $removed loss rule(s) and root qdisc ($was)"
        else
            echo "$dev: removed $removed loss rule(s), no qdisc to remove"
        fi
        ;;
    status)
        if [[ -n $dev ]]; then
            echo "wan=$dev/$ip loss=$(loss_rules) qdisc=$(root_qdisc)"
        else
            echo "loss=$(loss_rules)"
        fi
        ;;
    *) echo "unknown action $action" >&2; exit 1 ;;
esac
REMOTE_SCRIPT

remote() {
    local container=$1
    shift
    docker exec -u 0 "$container" bash -c "$REMOTE" chaos "$@"
}

# ---- commands ------------------------------------------------------------------------------

cmd_kill() {
    require_site "$1"
    local c killed=0
    for c in "${CONTAINERS[@]}"; do
        facts "$c"
        if [[ $F_STATE == running ]]; then
            docker kill "$c" >/dev/null
            echo "killed $c"
            killed=$((killed + 1))
        else
            echo "$c was not running"
        fi
    done
    echo "$1: $killed container(s) killed"
}

# Services of this site that a container waits for (compose's depends_on label), as container
# names. Dependencies on other sites are not ours to start and are left out.
# Reads SERVICE_CONTAINER (compose service -> container name of this site).
site_dependencies() {
    local container=$1 dep service condition
    local deps
    deps=$(docker inspect -f '{{index .Config.Labels "com.docker.compose.depends_on"}}' "$container")
    [[ -n $deps ]] || return 0
    IFS=',' read -ra deps <<<"$deps"
    for dep in "${deps[@]}"; do
        service=${dep%%:*}
        condition=${dep#*:}
        condition=${condition%%:*}
        if [[ -n ${SERVICE_CONTAINER[$service]:-} ]]; then
            echo "${SERVICE_CONTAINER[$service]} $condition"
        fi
    done
}

# running + healthy (or running without a healthcheck) is ready.
readiness() {
    docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.ExitCode}}' "$1"
}

cmd_start() {
    local site=$1
    require_site "$site"
    local began=$SECONDS c pending=() status health code
    local -A started=() deps_of=()
    declare -gA SERVICE_CONTAINER=()
    for c in "${CONTAINERS[@]}"; do
        facts "$c"
        if [[ -n $F_SERVICE ]]; then SERVICE_CONTAINER[$F_SERVICE]=$c; fi
    done
    for c in "${CONTAINERS[@]}"; do
        deps_of[$c]=$(site_dependencies "$c")
        pending+=("$c")
    done
    # Containers are started in compose's dependency order (postgres before the service that
    # migrates it): a plain `docker start` of all at once lets a service die on its database.
    while ((${#pending[@]} > 0)); do
        local still=()
        for c in "${pending[@]}"; do
            read -r status health code < <(readiness "$c")
            if [[ $status == running && ($health == healthy || $health == none) ]]; then
                echo "$c ready after $((SECONDS - began)) s"
                continue
            fi
            if [[ $status != running && -z ${started[$c]:-} ]]; then
                if deps_ready "${deps_of[$c]}"; then
                    docker start "$c" >/dev/null
                    started[$c]=1
                    echo "started $c"
                fi
            elif [[ $status == exited || $status == dead ]]; then
                die "$c stopped (exit code $code) while starting; see: docker logs $c"
            fi
            still+=("$c")
        done
        pending=("${still[@]+"${still[@]}"}")
        ((${#pending[@]} > 0)) || break
        if ((SECONDS - began >= START_TIMEOUT)); then
            die "not ready after ${START_TIMEOUT} s: ${pending[*]}"
        fi
        # Paces the health poll: each poll is a round of `docker inspect`.
        sleep 2
    done
    echo "$site: ${#CONTAINERS[@]} container(s) running and healthy after $((SECONDS - began)) s"
}

deps_ready() {
    local dep condition status health code
    [[ -n $1 ]] || return 0
    while read -r dep condition; do
        read -r status health code < <(readiness "$dep")
        case $condition in
            service_started) [[ $status == running ]] || return 1 ;;
            service_completed_successfully) [[ $status == exited && $code == 0 ]] || return 1 ;;
            *) [[ $status == running && ($health == healthy || $health == none) ]] || return 1 ;;
        esac
    done <<<"$1"
}

cmd_partition() {
    require_site "$1"
    mkdir -p "$STATE_DIR"
    local c a aliases
    for c in "${CONTAINERS[@]}"; do
        facts "$c"
        if [[ $F_WAN != on ]]; then
            if [[ -f $F_RECORD ]]; then echo "$c already off ${WAN}"; else echo "$c is not on ${WAN}"; fi
            continue
        fi
        aliases=""
        for a in $F_ALIASES; do
            # Docker adds the short id as an alias by itself on every connect.
            if [[ $a != "${F_ID:0:12}" ]]; then aliases+="${aliases:+ }$a"; fi
        done
        # Written before the disconnect: a record of a container still on the WAN is harmless
        # (heal drops it), a disconnect without a record would lose the aliases.
        printf 'aliases=%s\nip=%s\n' "$aliases" "$F_STATIC" >"$F_RECORD.tmp"
        mv "$F_RECORD.tmp" "$F_RECORD"
        docker network disconnect "$WAN" "$c"
        echo "disconnected $c from ${WAN} (aliases: ${aliases:-none})"
    done
}

# Aliases compose would give the container on the WAN, for a container partitioned without a
# record (another machine's /tmp, a reboot): from the compose files named in its labels.
derived_aliases() {
    local c=$1 service=$F_SERVICE files dir hostname config
    command -v jq >/dev/null || return 1
    IFS='|' read -r files dir hostname < <(docker inspect -f '{{index .Config.Labels "com.docker.compose.project.config_files"}}|{{index .Config.Labels "com.docker.compose.project.working_dir"}}|{{.Config.Hostname}}' "$c")
    [[ -n $files && -n $service ]] || return 1
    local args=() f
    IFS=',' read -ra files <<<"$files"
    for f in "${files[@]}"; do args+=(-f "$f"); done
    config=$(docker compose -p "$PROJECT" --project-directory "$dir" "${args[@]}" config --format json 2>/dev/null) || return 1
    jq -e --arg s "$service" '.services[$s].networks | has("wan")' <<<"$config" >/dev/null || return 1
    { echo "$c"; echo "$service"; echo "$hostname"
      jq -r --arg s "$service" '.services[$s].networks.wan.aliases // [] | .[]' <<<"$config"; } | awk '!seen[$0]++' | tr '\n' ' ' | sed 's/ $//'
}

cmd_heal() {
    require_site "$1"
    local c record aliases ip args a source
    for c in "${CONTAINERS[@]}"; do
        facts "$c"
        record=$F_RECORD
        if [[ $F_WAN == on ]]; then
            rm -f "$record"
            echo "$c already on ${WAN}"
            continue
        fi
        if [[ -f $record ]]; then
            aliases=$(sed -n 's/^aliases=//p' "$record")
            ip=$(sed -n 's/^ip=//p' "$record")
            source="recorded at partition"
        elif aliases=$(derived_aliases "$c"); then
            ip=""
            source="derived from the compose file"
        else
            echo "$c is not on ${WAN} and has no partition record: left as it is"
            continue
        fi
        args=()
        for a in $aliases; do args+=(--alias "$a"); done
        if [[ -n $ip ]]; then args+=(--ip "$ip"); fi
        docker network connect "${args[@]+"${args[@]}"}" "$WAN" "$c"
        rm -f "$record"
        echo "reconnected $c to ${WAN} (aliases: ${aliases:-none}; ${source})"
    done
}

# Running containers of the site that are on the WAN, as "name ip" lines.
wan_targets() {
    local c
    for c in "${CONTAINERS[@]}"; do
        facts "$c"
        if [[ $F_STATE != running ]]; then
            echo "$c is not running: skipped" >&2
            continue
        fi
        if [[ -z $F_IP ]]; then
            echo "$c is not on ${WAN}: skipped" >&2
            continue
        fi
        echo "$c $F_IP"
    done
}

# tc rate -> bytes per second (tc: bit = bits/s, bps = bytes/s).
rate_bytes() {
    awk -v r="$1" 'BEGIN {
        match(r, /^[0-9.]+/); n = substr(r, 1, RLENGTH); u = substr(r, RLENGTH + 1)
        m["bit"] = 1 / 8; m["kbit"] = 1000 / 8; m["mbit"] = 1e6 / 8; m["gbit"] = 1e9 / 8
        m["bps"] = 1; m["kbps"] = 1000; m["mbps"] = 1e6; m["gbps"] = 1e9
        printf "%d", n * m[u] }'
}

cmd_wan() {
    local site=$1 mode=${2:-}
    [[ -n $mode ]] || usage
    local values=() done_msg
    case $mode in
        lossy)
            (($# == 3)) || usage
            local pct=$3
            if ! [[ $pct =~ ^[0-9]+([.][0-9]+)?$ ]] || ! awk -v p="$pct" 'BEGIN { exit !(p <= 100) }'; then usage; fi
            values=("$(awk -v p="$pct" 'BEGIN { printf "%.6f", p / 100 }')" "$pct")
            if awk -v p="$pct" 'BEGIN { exit !(p == 0) }'; then values[0]=0; fi
            ;;
        bandwidth)
            (($# == 3)) || usage
            local rate=${3,,}
            [[ $rate =~ ^[0-9]+([.][0-9]+)?(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)$ ]] || usage
            local bytes
            bytes=$(rate_bytes "$rate")
            ((bytes >= 125)) || usage
            # Bucket of 20 ms worth of traffic, at least 16 KB: smaller buckets starve TCP bursts
            # and the cap then undershoots the rate it names.
            local burst=$((bytes / 50 > 16384 ? bytes / 50 : 16384))
            values=("$rate" "$burst")
            ;;
        latency)
            (($# == 3)) || usage
            # Egress only, so the whole round trip is added on the way out: the RTT between this
            # site and an undisturbed one is then the profile's (0.5 / 25 / 1500 ms each way),
            # without shaping ingress (which would need an ifb device per container).
            case $3 in
                same-city) values=(1ms 0.1ms) ;;
                cross-city) values=(50ms 2ms) ;;
                cross-country) values=(3000ms 100ms) ;;
                *) usage ;;
            esac
            ;;
        off) (($# == 2)) || usage ;;
        *) usage ;;
    esac
    require_site "$site"
    local targets=()
    mapfile -t targets < <(wan_targets)
    ((${#targets[@]} > 0)) || die "$site: no running container on ${WAN}"
    local target c ip rc first=1
    for target in "${targets[@]}"; do
        read -r c ip <<<"$target"
        rc=0
        done_msg=$(remote "$c" "$mode" "$ip" "${values[@]+"${values[@]}"}") || rc=$?
        if ((rc == 3 && first)); then
            # The first container is the probe: its failed `replace` left everything as it was,
            # and no other container has been touched yet.
            echo "this kernel has no netem qdisc (sch_netem): latency profiles unavailable, nothing changed" >&2
            exit 3
        fi
        ((rc == 0)) || die "$c: $mode failed (exit $rc)"
        echo "$c: $done_msg"
        first=0
    done
}

cmd_status() {
    local names=() c line
    if (($# == 1)); then
        require_site "$1"
        names=("${CONTAINERS[@]}")
    else
        mapfile -t names < <(docker ps -a --filter "label=com.docker.compose.project=${PROJECT}" --filter "label=multisite.site" \
            --format '{{.Label "multisite.site"}} {{.Names}}' | sort | awk '{ print $2 }')
        ((${#names[@]} > 0)) || die "no container of project '${PROJECT}' carries a multisite.site label"
    fi
    for c in "${names[@]}"; do
        facts "$c"
        if [[ $F_STATE != running ]]; then
            line=$F_STATE
            if [[ -f $F_RECORD ]]; then line+=" wan=partitioned"; fi
        elif [[ -n $F_IP ]]; then
            line="running $(remote "$c" status "$F_IP")"
        elif [[ -f $F_RECORD ]]; then
            line="running wan=partitioned $(remote "$c" status "")"
        else
            line="running wan=no"
        fi
        echo "$F_SITE $c $line"
    done
}

(($# > 0)) || usage
command=$1
shift
case $command in
    kill | start | partition | heal)
        (($# == 1)) || usage
        "cmd_$command" "$1"
        ;;
    wan)
        (($# >= 2)) || usage
        cmd_wan "$@"
        ;;
    status)
        (($# <= 1)) || usage
        cmd_status "$@"
        ;;
    -h | --help | help) usage ;;
    *) usage ;;
esac
