# Sourced: sets JAVA_HOME to a JDK 25 or newer, or stops with a message saying where one was looked for.
# The JDK's release file says its version without starting a JVM (bin/jcri sources this on every start).
jdk_major() {
  if [ -f "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
  else
    "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p'
  fi
}
pick_jdk() {
  local c
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-2[5-9]* /usr/lib/jvm/java-2[5-9]* /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] || continue
    local m; m=$(jdk_major "$c")
    if [ -n "$m" ] && [ "$m" -ge 25 ]; then JAVA_HOME=$c; export JAVA_HOME; return 0; fi
  done
  echo "jcri needs a JDK 25 or newer; none found in JAVA_HOME or /usr/lib/jvm (Temurin 25 is expected at /usr/lib/jvm/temurin-25-jdk-amd64)" >&2
  return 1
}
pick_jdk || exit 1
