#!/usr/bin/env bash
# Scale: N containers running `sleep` at once (default 1000). Gatun: N default containers in one
# JVM (dev.gatun.bench.scale.Scale); crun: N `crun run -d` of the same container's bundle (the
# builder's own spec with `sleep 3600`). For each: the time to start each container (one after
# the other), the host's MemAvailable before and with all N running, the time to stop and remove
# all N; for Gatun also the JVM's heap after a full GC, its threads and its child processes, before
# and with all N running. The two cases run one after the other (gatun first), on a machine
# otherwise idle; load is recorded. Raw samples go to bench/results/scale-<date>.csv.
#   bench/scale.sh [N]       (root, crun, python3; build first:
#                             ./mvnw -q -Dgatun.quick -pl bench -am package -DskipTests)
set -euo pipefail
cd "$(dirname "$0")/.."
. .mvn/wrapper/find-jdk.sh
jar=bench/target/benchmarks.jar
[ -f "$jar" ] || { echo "build first: ./mvnw -q -Dgatun.quick -pl bench -am package -DskipTests" >&2; exit 1; }
n=${1:-1000}
work=$(mktemp -d /tmp/gatun-scale.XXXXXX)
out=bench/results/scale-$(date -u +%Y-%m-%d-%H%M)
java=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$jar")
cleanup() {
  for d in "$work"/crun/scale-*; do
    [ -e "$d" ] && crun --root "$work/crun" delete -f "$(basename "$d")" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
memavail() { awk '/MemAvailable/ {print $2}' /proc/meminfo; }
"${java[@]}" dev.gatun.bench.scale.Scale bundle "$work/bundle" 2>/dev/null
echo "case,key,index,value" > "$out.csv"

# --- Gatun
load_g=$(cut -d' ' -f1-3 /proc/loadavg)
coproc GATUN { exec "${java[@]}" dev.gatun.bench.scale.Scale gatun "$n" 2>/dev/null; }
jvm=$GATUN_PID
while read -r -u "${GATUN[0]}" key a b; do
  if [ "$key" = baseline_ready ]; then
    m0=$(memavail)   # the JVM started, one container run: what a JVM that uses Gatun holds anyway
    echo >&"${GATUN[1]}"
    continue
  fi
  if [ "$key" = start ]; then echo "gatun,start_ns,$a,$b" >> "$out.csv"; else echo "gatun,$key,,$a" >> "$out.csv"; fi
  [ "$key" = alive ] && break
done
m1=$(memavail)
rss=$(awk '/VmRSS/ {print $2}' "/proc/$jvm/status")
echo "gatun,memavail_drop_kib,,$((m0 - m1))" >> "$out.csv"
echo "gatun,jvm_rss_kib,,$rss" >> "$out.csv"
echo >&"${GATUN[1]}"
read -r -u "${GATUN[0]}" key v
echo "gatun,$key,,$v" >> "$out.csv"
wait "$jvm" || true

# --- crun, the same bundle, in a private mount namespace that hides a hybrid host's unified
# controllers file (crun 1.8 refuses hybrid hosts otherwise; see cold-start.sh)
load_c=$(cut -d' ' -f1-3 /proc/loadavg)
controllers=/sys/fs/cgroup/unified/cgroup.controllers
crun_all() {
  local m0 m1 t i t0
  m0=$(memavail)
  for ((i = 1; i <= n; i++)); do
    t=$EPOCHREALTIME
    crun --root "$work/crun" run -d --bundle "$work/bundle" "scale-$i" </dev/null >/dev/null 2>&1
    echo "crun,start_ns,$i,$(( (${EPOCHREALTIME/./} - ${t/./}) * 1000 ))"
  done
  m1=$(memavail)
  echo "crun,alive,,$(ls "$work/crun" | grep -c '^scale-')"
  echo "crun,memavail_drop_kib,,$((m0 - m1))"
  t0=$EPOCHREALTIME
  for ((i = 1; i <= n; i++)); do
    crun --root "$work/crun" delete -f "scale-$i" >/dev/null 2>&1
  done
  echo "crun,stop_all_ns,,$(( (${EPOCHREALTIME/./} - ${t0/./}) * 1000 ))"
}
export -f crun_all memavail
export n work
if [ -f "$controllers" ]; then
  unshare --mount --propagation private -- bash -c 'mount --bind /dev/null '"$controllers"' && crun_all' >> "$out.csv"
else
  crun_all >> "$out.csv"
fi

python3 bench/scale_report.py "$out.csv" "$out.md" "$n" "$load_g" "$load_c" \
    "$("$JAVA_HOME/bin/java" -version 2>&1 | head -1)" "$(crun --version | head -1)" "$(uname -r)"
