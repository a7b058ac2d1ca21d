#!/usr/bin/env bash
# Provides a working CRIU for checkpoint and restore at /opt/jcri/criu/bin/criu (jcri's default [checkpoint]
# criu_path): the system's criu when `criu check` passes, otherwise Debian sid's CRIU 4.x unpacked under
# /opt/jcri/criu and started with sid's own loader and libraries (Debian 12's CRIU 3.17 fails `criu check` on
# kernels like 6.18, and sid's needs glibc 2.38). Also unpacks sid's checkpointctl there (the tests read archives
# with it). Quick when already present; touches none of the system's packages.
#   usage: criu.sh [DEST]
set -euo pipefail
dest=${1:-/opt/jcri/criu}
here=$(cd "$(dirname "$0")" && pwd)

works() { [ -x "$dest/bin/criu" ] && [ -x "$dest/bin/checkpointctl" ] && "$dest/bin/criu" check >/dev/null 2>&1; }
works && exit 0

# Runs a binary unpacked under $2 with the loader and libraries unpacked beside it.
wrapper() {
  local lib="$2/usr/lib/x86_64-linux-gnu"
  printf '#!/bin/sh\n# sid'"'"'s %s with sid'"'"'s loader and libraries (written by scripts/lib/criu.sh)\nexec %s --library-path %s %s "$@"\n' \
    "$(basename "$1")" "$lib/ld-linux-x86-64.so.2" "$lib" "$2$1"
}

. "$here/sid-apt.sh"
tmp="$dest.new"
rm -rf "$tmp"
mkdir -p "$tmp/bin"
mapfile -t pkgs < <(sid_closure criu checkpointctl)
sid_unpack "$tmp/sid" "${pkgs[@]}"
wrapper /usr/bin/checkpointctl "$dest/sid" > "$tmp/bin/checkpointctl"
if command -v criu >/dev/null && criu check >/dev/null 2>&1; then
  ln -s "$(command -v criu)" "$tmp/bin/criu"
else
  wrapper /usr/sbin/criu "$dest/sid" > "$tmp/bin/criu"
fi
chmod 755 "$tmp/bin/"*
rm -rf "$dest"
mv "$tmp" "$dest"
"$dest/bin/criu" check || { echo "CRIU at $dest/bin/criu does not pass \`criu check\` on this kernel" >&2; exit 1; }
