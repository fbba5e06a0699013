#!/usr/bin/env bash
# What the gateway adds to a request, against the backend alone, the same gateway's plain route and
# nginx (when installed: apt-get install nginx-light). Prints a markdown table; see docs/benchmarks.md.
#
#   gateway/bench/run.sh                         # 1,000 req/s for 60 s after 60 s of warm-up per target
#   gateway/bench/run.sh -Dbench.rate=2000 -Dbench.seconds=60
set -euo pipefail
cd "$(dirname "$0")/../.."

./mvnw -B -q -pl gateway -am install -DskipTests
./mvnw -B -q -pl gateway dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
exec java "$@" -cp "gateway/target/test-classes:gateway/target/classes:$(cat gateway/target/bench.classpath)" \
  io.multisite.bench.GatewayBenchmark
