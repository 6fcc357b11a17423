#!/usr/bin/env bash
# Sandbox.run of /bin/true against ProcessBuilder("/bin/true") in the same warm JVM, interleaved,
# p50/p90/p99 and the ratio (issue 18's target: <= 2x at p50); raw samples committed.
#   bench/sandbox.sh [ROUNDS] [WARMUP]     (defaults 300 and 100; build first:
#                                           ./mvnw -q -Dgatun.quick -pl bench -am package -DskipTests)
set -euo pipefail
cd "$(dirname "$0")/.."
. .mvn/wrapper/find-jdk.sh
jar=bench/target/benchmarks.jar
[ -f "$jar" ] || { echo "build first: ./mvnw -q -Dgatun.quick -pl bench -am package -DskipTests" >&2; exit 1; }
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$jar" dev.gatun.bench.sandbox.SandboxVsProcess \
  "${1:-300}" "${2:-100}" "bench/results/sandbox-$(date -u +%Y-%m-%d-%H%M)" 2>/dev/null
