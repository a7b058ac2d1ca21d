#!/usr/bin/env bash
# Provides Go 1.26 on a machine that has none (Debian 12 packages only Go 1.19): Debian sid's golang-1.26,
# unpacked under /opt/jcri/go-sid without touching the system's packages. Go's programs are static, so they run
# as they are. scripts/lib/go.sh picks it when no other Go 1.26+ is there; the e2e tests build kubelet with it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/sid-apt.sh"
top=/opt/jcri/go-sid
rm -rf "$top"
sid_unpack "$top/root" golang-1.26-go golang-1.26-src
echo "go: Debian sid's $("$top/root/usr/lib/go-1.26/bin/go" version | cut -d' ' -f3) unpacked in $top"
