#!/usr/bin/env bash
# Installs what jcri and its tests need from Debian, only what is missing, and a JDK 25+ when there is none (Debian
# sid's OpenJDK 25, unpacked privately: scripts/lib/jdk-from-sid.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "run as root: jcri is root software (namespaces, mounts, cgroups)" >&2; exit 1; }

# command or file that proves a package is there -> package
declare -A want=(
  [/usr/sbin/runc]=runc [/usr/bin/crun]=crun [/usr/bin/conmon]=conmon [/usr/bin/catatonit]=catatonit
  [/usr/lib/cni/bridge]=containernetworking-plugins [/usr/sbin/iptables]=iptables
  [/usr/bin/docker-registry]=docker-registry [/bin/busybox]=busybox-static [/usr/bin/htpasswd]=apache2-utils
  [/usr/bin/mvn]=maven [/usr/bin/jq]=jq [/usr/bin/curl]=curl [/usr/bin/zstd]=zstd [/usr/bin/gcc]=gcc
  [/usr/lib/x86_64-linux-gnu/libc.a]=libc6-dev [/usr/sbin/ip]=iproute2 [/usr/bin/sha256sum]=coreutils
  [/usr/bin/openssl]=openssl
)
missing=()
for f in "${!want[@]}"; do [ -e "$f" ] || missing+=("${want[$f]}"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
"$here/lib/criu.sh"   # CRIU for checkpoint and restore: the system's if it works on this kernel, else sid's
# docker-registry starts itself from its package scripts on some hosts; tests start their own on 127.0.0.1.
if ! (. "$here/lib/jdk.sh") >/dev/null 2>&1; then
  "$here/lib/jdk-from-sid.sh"
fi
if ! (. "$here/lib/go.sh") >/dev/null 2>&1; then
  "$here/lib/go-from-sid.sh"   # the e2e tests build the kubelet they run (scripts/kubelet.sh)
fi
. "$here/lib/jdk.sh"
. "$here/lib/go.sh"
echo "dependencies present; JDK: $JAVA_HOME; Go: $GO"
