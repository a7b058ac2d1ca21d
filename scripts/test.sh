#!/usr/bin/env bash
# The README's second command: install what is missing and run every test (unit tests, and the e2e suite that
# starts real jcri daemons, a registry on 127.0.0.1 and real containers; e2e needs root).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
. "$root/scripts/lib/jdk.sh"
cd "$root"
mvn -B -ntp verify "$@"
"$root/scripts/fuzz.sh"
