#!/usr/bin/env bash
# A container of /bin/true from an image already in the store against the same on the sandbox
# root, in one warm JVM, interleaved, p50/p90/p99 and the difference (issue 17's target: the image
# root costs <= 2 ms more, with no copy); raw samples committed.
#   bench/image-root.sh [ROUNDS] [WARMUP] [--rootless]   (defaults 200 and 50; as root. --rootless
#       runs the JVM as the unprivileged user gatun-ci (made by .ci/rootless-lane) through runuser.
#       Build first: ./mvnw -q -Dgatun.quick -pl bench -am package -DskipTests)
# Writes bench/results/image-root[-rootless]-<date>-<HHMM>.{csv,md}.
set -euo pipefail
cd "$(dirname "$0")/.."
. .mvn/wrapper/find-jdk.sh
jar=bench/target/benchmarks.jar
[ -f "$jar" ] || { echo "build first: ./mvnw -q -Dgatun.quick -pl bench -am package -DskipTests" >&2; exit 1; }
rounds=${1:-200}
warmup=${2:-50}
name=bench/results/image-root-$(date -u +%Y-%m-%d-%H%M)
if [ "${3:-}" != --rootless ]; then
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$jar" dev.gatun.bench.image.ImageRootVsSandbox \
    "$rounds" "$warmup" "$name" 2>/dev/null
  exit 0
fi
user=gatun-ci
id "$user" >/dev/null 2>&1 || { echo "no user $user: run .ci/rootless-lane first" >&2; exit 1; }
work=$(mktemp -d /tmp/gatun-image-root-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$jar" "$work/benchmarks.jar"
chmod 755 "$work"; chmod 644 "$work/benchmarks.jar"; chown "$user" "$work"
# a clean environment: no XDG_RUNTIME_DIR of root's, the state directory is /tmp/gatun-gatun-ci
runuser -u "$user" -- env -i PATH=/usr/bin:/bin HOME=/tmp "$JAVA_HOME/bin/java" -XX:-UsePerfData \
  --enable-native-access=ALL-UNNAMED -Djava.io.tmpdir=/tmp -cp "$work/benchmarks.jar" \
  dev.gatun.bench.image.ImageRootVsSandbox "$rounds" "$warmup" "$work/out" 2>/dev/null
rootless=${name/image-root-/image-root-rootless-}
cp "$work/out.csv" "$rootless.csv"
sed "s/\`out.csv\`/\`$(basename "$rootless").csv\`/; s:\`bench/image-root.sh\`:\`bench/image-root.sh --rootless\`:" "$work/out.md" > "$rootless.md"
cat "$rootless.md"
