#!/usr/bin/env bash
# The gatun command line against runc and crun (Debian's), one bundle, interleaved, as medians and
# ratios: `--version`, `state` of a created container, `run` of /bin/true.
#   bench/cli-startup.sh [N]        (default 20 rounds; needs root, runc, crun, busybox-static)
# Build gatun first: ./mvnw -Dgatun.quick -pl cli -am package -DskipTests (cli/target/gatun).
# Every call is a fresh process, as when podman drives a runtime; gatun's is a JVM start (with
# the AOT cache the build trained).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20}
gatun=$PWD/cli/target/gatun
[ -x "$gatun" ] || { echo "build first: ./mvnw -Dgatun.quick -pl cli -am package -DskipTests" >&2; exit 1; }
work=$(mktemp -d /tmp/gatun-cli-startup.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bundle/rootfs/bin"
cp "$(command -v busybox)" "$work/bundle/rootfs/bin/busybox"
ln -s busybox "$work/bundle/rootfs/bin/true"; ln -s busybox "$work/bundle/rootfs/bin/sleep"
(cd "$work/bundle" && runc spec)
sed -i -e 's/"terminal": true/"terminal": false/' -e 's/"sh"/"sleep", "30"/' "$work/bundle/config.json"
cp "$work/bundle/config.json" "$work/sleep.json"
sed 's/"sleep", "30"/"\/bin\/true"/' "$work/sleep.json" > "$work/true.json"

# crun 1.8 refuses a hybrid host unless the cgroup2 mount lists no controllers: hide that file
crun_=(crun)
if [ -f /sys/fs/cgroup/unified/cgroup.controllers ]; then
  crun_=(unshare --mount --propagation private -- sh -c 'mount --bind /dev/null /sys/fs/cgroup/unified/cgroup.controllers && exec crun "$@"' crun)
fi
rt() { # rt RUNTIME ARGS...: the runtime's command line with its own root
  case $1 in
    gatun) shift; "$gatun" --root "$work/gatun-root" "$@" ;;
    runc) shift; runc --root "$work/runc-root" "$@" ;;
    crun) shift; "${crun_[@]}" --root "$work/crun-root" "$@" ;;
  esac
}
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
declare -A times
cp "$work/sleep.json" "$work/bundle/config.json"
for r in gatun runc crun; do rt $r create --bundle "$work/bundle" bench-$r >/dev/null 2>&1 || echo "$r create failed" >&2; done
cp "$work/true.json" "$work/bundle/config.json"
for i in $(seq "$n"); do
  for r in gatun runc crun; do
    times[$r-version]+=" $(ms rt $r --version)"
    times[$r-state]+=" $(ms rt $r state bench-$r)"
    times[$r-run]+=" $(ms rt $r run --bundle "$work/bundle" run-$r-$i)"
    rt $r delete --force run-$r-$i >/dev/null 2>&1 || true
  done
done
for r in gatun runc crun; do rt $r delete --force bench-$r >/dev/null 2>&1 || true; done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "| command | gatun ms | runc ms | crun ms | gatun/runc | gatun/crun |"
echo "|---|---|---|---|---|---|"
for c in version state run; do
  g=$(echo "${times[gatun-$c]}" | median); u=$(echo "${times[runc-$c]}" | median); k=$(echo "${times[crun-$c]}" | median)
  printf '| %s | %s | %s | %s | %.1f× | %.1f× |\n' "$c" "$g" "$u" "$k" "$(echo "$g/$u" | bc -l)" "$(echo "$g/$k" | bc -l)"
done
echo
echo "$n rounds, interleaved; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; $(uname -r); $("$gatun" --version | head -1), $(runc --version | head -1), $(crun --version | head -1)"
