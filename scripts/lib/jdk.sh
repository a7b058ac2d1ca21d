# Sourced: sets JAVA_HOME to a JDK 25 or newer, or stops with a message saying where one was looked for.
# Candidates: JAVA_HOME, then the JDKs in /usr/lib/jvm (Temurin 25 on the project's machines), then Debian sid's
# OpenJDK 25 that scripts/install-deps.sh unpacks when there is none (scripts/lib/jdk-from-sid.sh).
# JCRI_JDK=sid takes only the last, so that path can be used on a machine that has Temurin (CI does, for one step).
# The JDK's release file says its version without starting a JVM (bin/jcri sources this on every start).
jcri_sid_jdk=/opt/jcri/jdk-sid/home
jdk_major() {
  if [ -f "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
  else
    "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p'
  fi
}
pick_jdk() {
  local c candidates=("${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-2[5-9]* \
    /usr/lib/jvm/java-2[5-9]* /usr/lib/jvm/* "$jcri_sid_jdk")
  [ "${JCRI_JDK:-}" = sid ] && candidates=("$jcri_sid_jdk")
  for c in "${candidates[@]}"; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] || continue
    local m; m=$(jdk_major "$c")
    if [ -n "$m" ] && [ "$m" -ge 25 ]; then JAVA_HOME=$c; export JAVA_HOME; return 0; fi
  done
  echo "jcri needs a JDK 25 or newer; none found in ${candidates[*]}; scripts/install-deps.sh (as root) provides one" >&2
  return 1
}
pick_jdk || exit 1
