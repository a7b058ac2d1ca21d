#!/usr/bin/env bash
# Builds the crictl that the e2e tests drive jcri with (crictl is no Debian package), once per cri-tools release:
# `go install` of the pinned release from the Go module proxy, into a cache outside the repository
# (JCRI_CRICTL_CACHE, by default /var/cache/jcri-test), reused while it is there. Prints the binary's path on the
# last line. A cold build is a minute or two of both cores: developers run it under the build lock,
#   flock /tmp/jcri-build.lock scripts/crictl.sh
# The e2e harness runs it when the binary is missing (it already holds the lock then).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/lib/go.sh"
version=v1.36.0
dir="${JCRI_CRICTL_CACHE:-/var/cache/jcri-test}/cri-tools-$version"
bin="$dir/crictl"
if [ ! -x "$bin" ]; then
  mkdir -p "$dir"
  tmp=$(mktemp -d "$dir/.build.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  echo "building crictl $version into $dir" >&2
  # crictl reports the release it was built from (crictl --version, the User-Agent it sends).
  CGO_ENABLED=0 GOBIN="$tmp" GOFLAGS="-p=${JCRI_GO_JOBS:-2} -buildvcs=false" \
    "$GO" install -trimpath -ldflags "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=$version" \
    "sigs.k8s.io/cri-tools/cmd/crictl@$version"
  mv "$tmp/crictl" "$bin"
fi
echo "$bin"
