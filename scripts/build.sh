#!/usr/bin/env bash
# Builds jcri (all modules, no tests): leaves cri-server/target/jcri.jar for bin/jcri and, as root, the JVM's AOT
# cache that halves its start (scripts/aot-train.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/lib/jdk.sh"
cd "$root"
mvn -B -q -ntp install -DskipTests "$@"
if [ "$(id -u)" = 0 ]; then
  "$root/scripts/aot-train.sh"
else
  echo "build: not root, so no AOT cache (scripts/aot-train.sh starts the daemon); jcri starts slower" >&2
fi
