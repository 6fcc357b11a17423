#!/usr/bin/env bash
# The cold path: a whole `java` process that runs one default container and exits, against a bare
# `java` process and `crun run` of the same container's bundle, interleaved; plus the laps inside
# the JVM (main() to the first container's exit, the 2nd..10th container). See bench/cold_start.py.
#   bench/cold-start.sh [--rounds N] [--warmup N] [--cases bare,gatun1,gatun10,crun]
#                       [--java-opt OPT]... [--label TEXT] [--out bench/results/NAME]   (NAME.csv, NAME.md)
# Needs root, crun and python3; build first: ./mvnw -q -Dgatun.quick -pl bench -am package -DskipTests
set -euo pipefail
cd "$(dirname "$0")/.."
. .mvn/wrapper/find-jdk.sh
jar=bench/target/benchmarks.jar
[ -f "$jar" ] || { echo "build first: ./mvnw -q -Dgatun.quick -pl bench -am package -DskipTests" >&2; exit 1; }
work=$(mktemp -d /tmp/gatun-cold.XXXXXX)
trap 'rm -rf "$work"' EXIT
# The crun bundle: the builder's own spec for Container.builder().command("/bin/true").
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$jar" dev.gatun.bench.cold.ColdStart bundle "$work/bundle" 2>/dev/null
args=(--java "$JAVA_HOME/bin/java" --jar "$jar" --bundle "$work/bundle" --state "$work/crun"
      --out "bench/results/cold-start-$(date -u +%Y-%m-%d-%H%M)" "$@")
run=(python3 bench/cold_start.py "${args[@]}")
controllers=/sys/fs/cgroup/unified/cgroup.controllers
if [ -f "$controllers" ]; then
  # Hybrid host: crun 1.8 refuses it ("cgroups in hybrid mode not supported") unless the cgroup2
  # mount lists no controllers; hide that one file in a private mount namespace, for every case
  # alike (as compare-runtimes.sh does).
  unshare --mount --propagation private -- sh -c 'mount --bind /dev/null "$0" && exec "$@"' "$controllers" "${run[@]}"
else
  "${run[@]}"
fi
