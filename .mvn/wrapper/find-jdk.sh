# Sourced by ./mvnw before anything else runs (POSIX sh).
#
# Gatun needs JDK 25 (java.lang.foreign, release 25). Many machines have an
# older default `java` with a JDK 25 installed beside it, so the wrapper finds
# one instead of asking the user to export JAVA_HOME:
#
#   1. JAVA_HOME, if it points at a JDK >= 25 — an explicit choice wins;
#   2. otherwise the newest JDK >= 25 among the usual install locations;
#   3. otherwise stop at once and say what is missing.
#
# A JDK's version is read from its `release` file (no JVM is started).

gatun_min_jdk=25

gatun_jdk_feature() { # $1 = JDK home; prints the feature release (e.g. 25) or nothing
  [ -f "$1/release" ] && [ -x "$1/bin/javac" ] || return 0
  sed -n 's/^JAVA_VERSION="\([0-9][0-9]*\).*/\1/p' "$1/release" | head -n 1
}

gatun_find_jdk() {
  if [ -n "${JAVA_HOME-}" ]; then
    v=$(gatun_jdk_feature "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge "$gatun_min_jdk" ]; then
      return 0
    fi
    gatun_skipped="JAVA_HOME=$JAVA_HOME (${v:-not a JDK})"
  fi
  best=""
  best_v=0
  set +f # mvnw runs with globbing off; the search needs it
  for home in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /usr/local/lib/jvm/* \
              "${HOME-}"/.sdkman/candidates/java/* "${HOME-}"/.jdks/* \
              /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$home" ] && [ ! -L "$home" ] || continue
    v=$(gatun_jdk_feature "$home")
    if [ -n "$v" ] && [ "$v" -ge "$gatun_min_jdk" ] && [ "$v" -gt "$best_v" ]; then
      best=$home
      best_v=$v
    fi
  done
  set -f
  if [ -z "$best" ]; then
    echo "Gatun needs a JDK $gatun_min_jdk or newer, and none was found." >&2
    [ -z "${gatun_skipped-}" ] || echo "  skipped: $gatun_skipped" >&2
    echo "  looked in: JAVA_HOME, /usr/lib/jvm, /usr/java, /opt/java, /opt/jdk*, ~/.sdkman, ~/.jdks" >&2
    echo "  install one (e.g. Temurin 25) or set JAVA_HOME to it." >&2
    exit 1
  fi
  JAVA_HOME=$best
  export JAVA_HOME
  [ "${MVNW_VERBOSE-}" != true ] || echo "mvnw: using JDK $best_v at $JAVA_HOME" >&2
}

gatun_find_jdk
