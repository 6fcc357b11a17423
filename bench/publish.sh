#!/usr/bin/env bash
# Published ports against their baselines (issue 14): a bulk transfer (throughput) and a small
# request/response loop (p50/p90 latency), direct inside the container's namespace, through
# ContainerBuilder.publish, through socat, and through a C prototype relay with read/write and with
# splice(2) (bench/src/main/c/relay.c: does splice pay?), and through pasta (the network mode
# pasta, when Debian's passt is installed), interleaved, as ratios.
#   bench/publish.sh [--rounds N] [--bulk-mib M] [--rr N]     (defaults 5, 1024, 5000)
# Needs root, socat and gcc. Writes bench/results/publish-<date>.md and the raw samples (.csv) beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
. .mvn/wrapper/find-jdk.sh
./mvnw -B -q -Dgatun.quick -pl bench -am package -DskipTests
relay=bench/target/relay
gcc -O2 -pthread -o "$relay" bench/src/main/c/relay.c
out=bench/results/publish-$(date -u +%F-%H%M).md
pasta=()
[ ! -x /usr/bin/pasta ] || pasta=(--pasta)
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar \
  dev.gatun.bench.net.PublishBenchmark --relay "$relay" "${pasta[@]}" --out "$out" "$@"
