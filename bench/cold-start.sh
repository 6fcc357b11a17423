#!/usr/bin/env bash
# The cold path: a whole `java` process that runs one default container and exits, against a bare
# `java` process and `crun run` of the same container's bundle, interleaved; plus the laps inside
# the JVM (main() to the first container's exit, the 2nd..10th container). See bench/cold_start.py.
#   bench/cold-start.sh [--rounds N] [--warmup N] [--cases bare,gatun1,gatun10,crun[,bundle1][,gatun100,crun100]]
#                       [--java-opt OPT]... [--aot] [--compare OTHER/benchmarks.jar]
#                       [--label TEXT] [--out bench/results/NAME]   (NAME.csv, NAME.md)
# --compare: adds gatun1base and gatun10base, the same cases from another build (a baseline commit's
#        bench/target/benchmarks.jar, with this commit's ColdStart.java copied in), in the same rounds.
# --aot: first trains a JDK 25 AOT cache (-XX:AOTCacheOutput, one training run of 3 containers),
#        then adds the cases gatun1aot and gatun10aot, which start with -XX:AOTCache.
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
      --out "bench/results/cold-start-$(date -u +%Y-%m-%d-%H%M)")
for a in "$@"; do
  if [ "$a" = --aot ]; then
    # the embedder's recipe (docs/aot-cache.md): one training run that does what production does
    "$JAVA_HOME/bin/java" -XX:AOTCacheOutput="$work/gatun.aot" --enable-native-access=ALL-UNNAMED -cp "$jar" \
      dev.gatun.bench.cold.ColdStart containers 3 >/dev/null 2>&1
    args+=(--aot-cache "$work/gatun.aot")
  else
    args+=("$a")
  fi
done
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
