#!/usr/bin/env bash
# The README's second command: install what is missing and run every test (unit tests, and the e2e suite that
# starts real jcri daemons, a registry on 127.0.0.1 and real containers; e2e needs root).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
# The e2e tests that use the daemon's defaults need the default CNI network, as run.sh writes it (only when
# /etc/cni/net.d holds none).
"$root/scripts/default-network.sh"
. "$root/scripts/lib/jdk.sh"
cd "$root"
stamp=$(mktemp)
trap 'rm -f "$stamp"' EXIT
mvn -B -ntp verify "$@"
# As root nothing is missing that an e2e test needs, so a skipped one means a test that did not run and a hole in
# what CI proves (tests that are deliberately left out are excluded by tag in e2e/pom.xml, not skipped).
if [ "$(id -u)" = 0 ]; then
  if ! skipped=$("$root/scripts/lib/e2e-skips.sh" "$root/e2e" "$stamp"); then
    echo "e2e tests were skipped although running as root:" >&2
    echo "$skipped" >&2
    exit 1
  fi
fi
"$root/scripts/fuzz.sh"
# The AOT cache that build.sh and bench.sh record: proves its training run still works (root only, as it starts
# the daemon).
if [ "$(id -u)" = 0 ]; then
  "$root/scripts/aot-train.sh"
fi
