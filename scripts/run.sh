#!/usr/bin/env bash
# The README's first command: install what is missing, build, and run jcri in the foreground with its defaults
# (socket /run/jcri/jcri.sock, state /var/lib/jcri, the default CNI network). Extra arguments go to `jcri serve`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
"$root/scripts/default-network.sh"
exec "$root/bin/jcri" serve "$@"
