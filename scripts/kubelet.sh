#!/usr/bin/env bash
# Builds the kubelet that the e2e tests run against jcri, once per Kubernetes release: the release is the one
# e2e/kubelet/go.mod pins, the binary goes to a cache outside the repository (JCRI_KUBELET_CACHE, by default
# /var/cache/jcri-test) and is reused while it is there. Prints the binary's path on the last line.
# Heavy (a cold build is minutes of both cores): developers run it under the build lock,
#   flock /tmp/jcri-build.lock scripts/kubelet.sh
# The e2e harness runs it when the binary is missing (it already holds the lock then).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
module="$root/e2e/kubelet"
. "$root/scripts/lib/go.sh"
version=$(sed -n 's/^\(require \|\t\)k8s.io\/kubernetes \(v[0-9.]*\)$/\2/p' "$module/go.mod")
[ -n "$version" ] || { echo "no k8s.io/kubernetes release in $module/go.mod" >&2; exit 1; }
dir="${JCRI_KUBELET_CACHE:-/var/cache/jcri-test}/kubelet-$version"
bin="$dir/kubelet"
if [ ! -x "$bin" ]; then
  mkdir -p "$dir"
  minor=${version#v1.}; minor=${minor%%.*}
  # kubelet reports the release it was built from (logs, /healthz, the node e2e suite's checks).
  ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$version -X k8s.io/component-base/version.gitMajor=1"
  ldflags="$ldflags -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  tmp=$(mktemp "$dir/.kubelet.XXXXXX")
  trap 'rm -f "$tmp"' EXIT
  echo "building kubelet $version into $dir" >&2
  (cd "$module" && CGO_ENABLED=0 GOFLAGS="-p=${JCRI_GO_JOBS:-2} -mod=readonly -buildvcs=false" \
    "$GO" build -trimpath -tags providerless -ldflags "$ldflags" -o "$tmp" k8s.io/kubernetes/cmd/kubelet)
  chmod 0755 "$tmp"
  mv "$tmp" "$bin"
fi
echo "$bin"
