#!/usr/bin/env bash
# Issue 18's benchmark: a JUnit class of 20 tests, one container each, with Gatun's JUnit extension
# and with `podman run` per test (Debian's podman), the same busybox image for both, interleaved
# in one JVM, as ratios (dev.gatun.bench.junit.ContainerPerTestBenchmark).
#   bench/junit-class.sh [--rounds N]     (default 5)
# Needs root, podman and busybox-static. Writes bench/results/junit-class-<date>.md and the raw
# samples (.csv) beside it; removes the image it pulls into podman's store.
set -euo pipefail
cd "$(dirname "$0")/.."
. .mvn/wrapper/find-jdk.sh
./mvnw -B -q -Dgatun.quick -pl bench -am package -DskipTests
out=bench/results/junit-class-$(date -u +%F-%H%M).md
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp bench/target/benchmarks.jar dev.gatun.bench.junit.ContainerPerTestBenchmark --out "$out" "$@"
