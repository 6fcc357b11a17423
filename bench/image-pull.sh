#!/usr/bin/env bash
# Pull and unpack a generated multi-layer image (>= 200 MB of layers) from Debian's docker-registry
# on a loopback port: `gatun pull` (download into its store, every blob checked, then unpack)
# against `skopeo copy` to an OCI layout + `umoci unpack` (Debian's), interleaved, fresh
# destinations every round, as p50/p90 wall times and ratios.
#   bench/image-pull.sh [ROUNDS]     (default 5; needs docker-registry, skopeo, umoci, root for umoci)
# Build gatun first: ./mvnw -Dgatun.quick -pl cli -am package -DskipTests (cli/target/gatun).
# Both sides are fresh processes; gatun's time includes its JVM start (with the build's AOT cache).
# Writes bench/results/image-pull-<date>-<HHMM>.csv (every sample) and prints the markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
gatun=$PWD/cli/target/gatun
[ -x "$gatun" ] || { echo "build first: ./mvnw -Dgatun.quick -pl cli -am package -DskipTests" >&2; exit 1; }
for t in docker-registry skopeo umoci; do command -v $t >/dev/null || { echo "$t is not installed" >&2; exit 1; }; done
work=$(mktemp -d /tmp/gatun-image-pull.XXXXXX)
registry_pid=
cleanup() {
  [ -z "$registry_pid" ] || { kill "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

# The image: a base layer of busybox-free filler, then four more; every layer ~50 MB of files of
# mixed sizes, half random bytes (incompressible), half base64 text (compressible, as binaries and
# text in real images are), built with umoci so that each repack adds one gzip layer.
echo "generating the image..." >&2
umoci init --layout "$work/layout"
umoci new --image "$work/layout:bench"
umoci unpack --image "$work/layout:bench" "$work/gen" >/dev/null
for layer in 1 2 3 4 5; do
  dir="$work/gen/rootfs/layer$layer"
  mkdir -p "$dir"
  for f in $(seq 1 50); do
    size=$(( (f % 7 + 1) * 140 ))   # KiB: 140..980, about 25 MB per kind per layer
    head -c "${size}K" /dev/urandom > "$dir/random$f.bin"
    head -c "$(( size * 3 / 4 ))K" /dev/urandom | base64 -w 76 > "$dir/text$f.txt"
  done
  umoci repack --refresh-bundle --image "$work/layout:bench" "$work/gen" >/dev/null
done
rm -rf "$work/gen"
layers_bytes=$(du -cb "$work"/layout/blobs/sha256/* | tail -1 | cut -f1)

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/registry"
cat > "$work/registry.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
EOF
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
ref=127.0.0.1:$port/bench/big:1
skopeo copy --quiet --dest-tls-verify=false "oci:$work/layout:bench" "docker://$ref"
rm -rf "$work/layout"

ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
baseline() {
  skopeo copy --quiet --src-tls-verify=false "docker://$ref" "oci:$work/sk:bench" &&
    umoci unpack --image "$work/sk:bench" "$work/bundle"
}
csv=bench/results/image-pull-$(date -u +%Y-%m-%d-%H%M).csv
echo "round,tool,ms" > "$csv"
for i in $(seq "$rounds"); do
  # alternate which goes first, so that neither always runs on a warmer cache
  order="gatun baseline"; [ $((i % 2)) -eq 0 ] && order="baseline gatun"
  for tool in $order; do
    rm -rf "$work/store" "$work/sk" "$work/bundle"
    if [ $tool = gatun ]; then
      t=$(ms "$gatun" pull --quiet --store "$work/store" "$ref")
    else
      t=$(ms baseline)
    fi
    echo "$i,$tool,$t" >> "$csv"
  done
done
# the two trees hold the same files (a sanity check of what was timed)
rm -rf "$work/store" "$work/sk" "$work/bundle"
"$gatun" pull --quiet --store "$work/store" "$ref" >/dev/null
baseline >/dev/null 2>&1
check=$(find "$work/store/rootfs/sha256" -mindepth 1 -maxdepth 1 -type d)
diff -r --no-dereference "$check" "$work/bundle/rootfs" >/dev/null || { echo "the unpacked trees differ" >&2; exit 1; }

pct() { # pct TOOL P: the P-th percentile (nearest rank) of TOOL's samples
  awk -F, -v t="$1" 'NR>1 && $2==t {print $3}' "$csv" | sort -n |
    awk -v p="$2" '{a[NR]=$1} END {r=int((p*NR+99)/100); if (r<1) r=1; print a[r]}'
}
g50=$(pct gatun 50); g90=$(pct gatun 90); b50=$(pct baseline 50); b90=$(pct baseline 90)
echo "| | p50 ms | p90 ms |"
echo "|---|---|---|"
echo "| gatun pull (download, verify, unpack) | $g50 | $g90 |"
echo "| skopeo copy + umoci unpack | $b50 | $b90 |"
printf '| gatun / baseline | %.2f× | %.2f× |\n' "$(echo "$g50/$b50" | bc -l)" "$(echo "$g90/$b90" | bc -l)"
echo
echo "$rounds rounds, interleaved (order alternating); 5 gzip layers, $((layers_bytes / 1048576)) MiB compressed;" \
  "unpacked trees identical (diff -r); $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end;" \
  "$(uname -r); $("$gatun" --version | head -1), $(skopeo --version), $(umoci --version); samples in $csv"
