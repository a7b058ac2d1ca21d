#!/usr/bin/env bash
# Builds jcri (all modules, no tests): leaves cri-server/target/jcri.jar for bin/jcri.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/lib/jdk.sh"
cd "$root"
mvn -B -q -ntp install -DskipTests "$@"
