#!/bin/bash
# Apache Kafka 4.1 node in KRaft *combined* mode (broker + controller in one JVM).
# The three nodes kafka-a/b/c form ONE cluster stretched over the three sites.
#
# Writes server.properties from the environment, formats the storage once (first start
# on an empty volume), then execs the broker in the foreground.
#
# Required env:
#   KAFKA_NODE_ID                   1 / 2 / 3
#   KAFKA_CLUSTER_ID                22-char base64 cluster id, identical on all nodes
#   KAFKA_CONTROLLER_QUORUM_VOTERS  1@kafka-a:9093,2@kafka-b:9093,3@kafka-c:9093 (static quorum)
# Optional env:
#   KAFKA_ADVERTISED_HOST           host name clients use for this broker (default: hostname)
#   KAFKA_CFG_<PROPERTY>            any broker property, overrides the defaults below;
#                                   name = property upper-cased, '.' -> '_'
#                                   e.g. KAFKA_CFG_BROKER_SESSION_TIMEOUT_MS=3000
#   KAFKA_HEAP_OPTS                 default "-Xmx256m -Xms256m"
#   KAFKA_JVM_PERFORMANCE_OPTS      GC flags (default below)
#   KAFKA_OPTS                      extra JVM options
set -euo pipefail

KAFKA_HOME=${KAFKA_HOME:-/opt/kafka}
CONFIG_FILE=${KAFKA_CONFIG_FILE:-$KAFKA_HOME/config/server.properties}
DATA_DIR=${KAFKA_DATA_DIR:-/var/lib/kafka/data}

# Started as root: make the (possibly fresh) volume ours, then re-exec as user kafka.
# The image's USER stays root so that `docker exec` can still run tc/iptables (NET_ADMIN).
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$DATA_DIR"
  chown kafka:kafka "$DATA_DIR" "$(dirname "$CONFIG_FILE")"
  exec setpriv --reuid=kafka --regid=kafka --init-groups "$0" "$@"
fi

log() { echo "[entrypoint] $*"; }
die() { echo "[entrypoint] ERROR: $*" >&2; exit 1; }

: "${KAFKA_NODE_ID:?KAFKA_NODE_ID is required}"
: "${KAFKA_CLUSTER_ID:?KAFKA_CLUSTER_ID is required}"
: "${KAFKA_CONTROLLER_QUORUM_VOTERS:?KAFKA_CONTROLLER_QUORUM_VOTERS is required}"
KAFKA_ADVERTISED_HOST=${KAFKA_ADVERTISED_HOST:-$(hostname)}

declare -A PROPS=()
ORDER=()
prop() { # prop KEY VALUE  (later calls override earlier ones)
  [[ -v "PROPS[$1]" ]] || ORDER+=("$1")
  PROPS[$1]=$2
}

# ---- identity & listeners ------------------------------------------------------------
prop process.roles                    broker,controller   # combined mode: 3 JVMs, not 6
prop node.id                          "$KAFKA_NODE_ID"
# Static quorum (kraft.version 0): no --standalone/--initial-controllers at format time.
prop controller.quorum.voters         "$KAFKA_CONTROLLER_QUORUM_VOTERS"
prop listeners                        PLAINTEXT://:9092,CONTROLLER://:9093
prop advertised.listeners             "PLAINTEXT://$KAFKA_ADVERTISED_HOST:9092"
prop controller.listener.names        CONTROLLER
prop inter.broker.listener.name       PLAINTEXT
prop listener.security.protocol.map   PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
prop log.dirs                         "$DATA_DIR"

# ---- durability: every write on all 3 sites' brokers, survives the loss of one site ----
prop default.replication.factor               3   # one replica per site
prop min.insync.replicas                      2   # acks=all succeeds with one site down
prop offsets.topic.replication.factor         3   # consumer offsets survive a site loss
prop transaction.state.log.replication.factor 3   # same for transaction state
prop transaction.state.log.min.isr            2
prop share.coordinator.state.topic.replication.factor 3   # same for share groups (KIP-932)
prop share.coordinator.state.topic.min.isr    2
prop num.partitions                           3
prop auto.create.topics.enable                false  # topics are created explicitly, with RF 3
prop unclean.leader.election.enable           false  # never elect an out-of-sync replica (no data loss)

# ---- fast failure detection: leadership/ISR move within ~2 s when a node dies ----------
# The active controller fences a broker that has not heartbeated for this long, and then
# moves the leadership of its partitions (default 9000).
prop broker.session.timeout.ms        1500
# Broker -> controller heartbeat; must be well below the session timeout (default 2000).
prop broker.heartbeat.interval.ms     300
# A Raft follower starts an election when it has not fetched from the leader (the active
# controller) for this long (default 2000), i.e. detects a dead active controller.
prop controller.quorum.fetch.timeout.ms    1000
# Max random delay before a candidate starts the election; bounds the election time
# after the fetch timeout (default 1000).
prop controller.quorum.election.timeout.ms 500
# A follower that has not caught up for this long is dropped from the ISR (default 30000),
# so acks=all stops waiting for a dead/partitioned replica.
prop replica.lag.time.max.ms          5000
# No 3 s wait before the first consumer group rebalance (tests, restarts).
prop group.initial.rebalance.delay.ms 0
# After a node rejoins, give partition leadership back to the preferred (spread) replicas
# within ~30 s instead of 300 s, so leaders are balanced over the sites again.
prop leader.imbalance.check.interval.seconds 30

# ---- threads: sized for a few cores shared with the whole deployment -------------------
# The defaults (3 network, 8 I/O threads) suit a dedicated server; here they only add
# wake-ups and context switches. Raise them with KAFKA_CFG_* on real hardware.
prop num.network.threads              2
prop num.io.threads                   4

# ---- memory: the broker shares its container's limit with the tools run in it (kafka-tool) ----
# The log cleaner's dedupe map is taken from the heap: 128 MB by default, for compacted topics
# (routing, watermarks, offsets) that hold a few thousand keys here. 16 MB still maps 600,000.
prop log.cleaner.dedupe.buffer.size   16777216

# ---- overrides: KAFKA_CFG_FOO_BAR=x  ->  foo.bar=x ---------------------------------------
while IFS='=' read -r name _; do
  [[ $name == KAFKA_CFG_* ]] || continue
  key=${name#KAFKA_CFG_}
  key=${key,,}
  prop "${key//_/.}" "${!name}"
done < <(env | LC_ALL=C sort)

mkdir -p "$(dirname "$CONFIG_FILE")"
{
  echo "# Generated by $0 at $(date -u +%FT%TZ); edit the env, not this file."
  for key in "${ORDER[@]}"; do echo "$key=${PROPS[$key]}"; done
} > "$CONFIG_FILE"
log "wrote $CONFIG_FILE:"
sed 's/^/[entrypoint]   /' "$CONFIG_FILE"

CP="$KAFKA_HOME/libs/*"
LOG4J="-Dlog4j2.configurationFile=$KAFKA_HOME/config/log4j2.xml"

# ---- format the storage once ------------------------------------------------------------
if [ -f "$DATA_DIR/meta.properties" ]; then
  log "storage already formatted ($(grep -h '^cluster.id=' "$DATA_DIR/meta.properties" || true)), skipping format"
else
  log "formatting $DATA_DIR for cluster $KAFKA_CLUSTER_ID"
  # StorageTool calls System.exit(): run it in its own short-lived JVM.
  java -Xmx128m -XX:TieredStopAtLevel=1 -Xshare:auto \
    "-Dlog4j2.configurationFile=$KAFKA_HOME/config/tools-log4j2.xml" \
    -cp "$CP" kafka.tools.StorageTool format -t "$KAFKA_CLUSTER_ID" -c "$CONFIG_FILE" \
    || die "storage format failed"
fi

# ---- run the broker -----------------------------------------------------------------------
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xmx256m -Xms256m}
# Off the heap, what grew brokers past their container's limit (killed by the kernel at 653 and
# 714 MB of anonymous memory): glibc keeps freed native memory in its arenas. A broker at 690 MB with
# a 256 MB heap gave 302 MB back to `jcmd <pid> System.trim_native_heap`; so the JVM trims every 5 s.
# Bounded as well: socket reads and writes through heap buffers borrow temporary direct buffers as
# large as the transfer (a replica fetch response is up to 10 MB), which the JDK caches per thread
# (none above 256 KB now); blocks of 128 KB and more are always mmap-ed (returned on free); two
# arenas; at most 128 MB of direct buffers.
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
export MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-131072}
KAFKA_JVM_PERFORMANCE_OPTS=${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -XX:TrimNativeHeapInterval=5000 -XX:MaxDirectMemorySize=128m -Djdk.nio.maxCachedBufferSize=262144 -Djava.awt.headless=true}
log "starting kafka.Kafka (node $KAFKA_NODE_ID, $KAFKA_HEAP_OPTS)"
# shellcheck disable=SC2086  # option strings are meant to be word-split
exec java $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS ${KAFKA_OPTS:-} "$LOG4J" \
  -cp "$CP" kafka.Kafka "$CONFIG_FILE"
