#!/usr/bin/env bash
# Compares Gatun with crun and runc (Debian's packages) on one bundle, interleaved, as ratios.
#   bench/compare-runtimes.sh [--ops N] [--runtimes gatun,crun,runc,unshare,true] [--warmup N]
#                             [--bundle default|light] [--no-seccomp] [--out bench/results/FILE.md]   (FILE.md, FILE.csv, FILE.svg)
# default bundle: the builder's default container with the article's limits, the same config.json for every runtime;
# each runtime's limits are read from the host before timing.
# Needs root, crun, runc and busybox-static; build first: ./mvnw -q -pl bench -am package -DskipTests
set -euo pipefail
cd "$(dirname "$0")/.."
. .mvn/wrapper/find-jdk.sh
jar=bench/target/benchmarks.jar
[ -f "$jar" ] || { echo "build first: ./mvnw -q -pl bench -am package -DskipTests" >&2; exit 1; }
run=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$jar" dev.gatun.bench.container.RuntimeComparison "$@")
controllers=/sys/fs/cgroup/unified/cgroup.controllers
if [ -f "$controllers" ]; then
  # Hybrid host: crun 1.8 refuses it ("cgroups in hybrid mode not supported") unless the cgroup2
  # mount lists no controllers; hide that one file in a private mount namespace for this run only.
  exec unshare --mount --propagation private -- sh -c 'mount --bind /dev/null "$0" && exec "$@"' "$controllers" "${run[@]}"
fi
exec "${run[@]}"
