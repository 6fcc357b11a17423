#!/usr/bin/env bash
# The soak (reliability): N mixed container lifecycles from 8 threads, with fds, threads, heap
# after GC, cgroup directories, mounts, network namespaces, children and zombies sampled before,
# every 2 s during and after the run, and asserted flat at the end.
#   bench/soak.sh [N]          (default 10000; needs root and busybox-static)
# Writes bench/results/soak-<date>-<N>.md (figures, versions, load) and .csv (raw samples) beside it.
# The harness is core's ContainerSoakKernelTest (the CI runs it with N = 1000); this script runs it
# with the JVM (and Maven) in a private mount namespace, so that mounts other processes make on the
# host do not move the mount count.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
out=$PWD/bench/results/soak-$(date -u +%F)-$n.md
commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- core testing || echo "+dirty")
exec unshare --mount --propagation private -- ./mvnw -B -q -Dgatun.quick -pl core -am verify \
  -Dtest=ContainerSoakKernelTest -Dsurefire.failIfNoSpecifiedTests=false -Dgatun.requireKernel=true \
  -Dgatun.soak.lifecycles="$n" -Dgatun.soak.report="$out" -Dgatun.soak.commit="$commit" -Dgatun.soak.sampleMillis=2000
