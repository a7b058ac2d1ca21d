#!/usr/bin/env bash
# Records the JVM's AOT cache for the built jcri (JDK 25: classes loaded and linked ahead of time, plus method
# profiles), which bin/jcri then uses while it is newer than every jar: the daemon starts in about half the time.
# The training run is a daemon on a scratch socket and state answering a few rounds of read-only CRI calls (curl
# speaks gRPC over the socket), then stopped with SIGTERM: the JVM writes the cache as it exits. Needs root, like
# `jcri serve`. See docs/performance.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/cri-server/target/jcri.aot"
scratch=$(mktemp -d /tmp/jcri-aot.XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
  rm -rf "$scratch"
}
trap cleanup EXIT
sock="$scratch/jcri.sock"
cat > "$scratch/jcri.toml" <<TOML
[server]
socket = "$sock"
[state]
root = "$scratch/root"
run_root = "$scratch/run"
[metrics]
enabled = false
TOML
rm -f "$out" "$out.jdk" "$out.opts"
JCRI_AOT_OUTPUT="$out" "$root/bin/jcri" serve --config="$scratch/jcri.toml" >"$scratch/log" 2>&1 &
pid=$!
for _ in $(seq 600); do
  [ -S "$sock" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$scratch/log" >&2; echo "aot-train: the daemon exited early" >&2; exit 1; }
  sleep 0.1
done
[ -S "$sock" ] || { cat "$scratch/log" >&2; echo "aot-train: no socket after 60s" >&2; exit 1; }
printf '\0\0\0\0\0' > "$scratch/empty"   # one gRPC frame holding an empty message
calls="RuntimeService/Version RuntimeService/Status RuntimeService/RuntimeConfig RuntimeService/ListPodSandbox
  RuntimeService/ListContainers RuntimeService/ListContainerStats RuntimeService/ListPodSandboxStats
  RuntimeService/PodSandboxStatus RuntimeService/ContainerStatus ImageService/ListImages ImageService/ImageFsInfo
  ImageService/ImageStatus"
for _ in $(seq 20); do
  for call in $calls; do
    curl -sS --max-time 10 --http2-prior-knowledge --unix-socket "$sock" -H 'content-type: application/grpc' \
      -H 'te: trailers' --data-binary @"$scratch/empty" -o /dev/null "http://localhost/runtime.v1.$call"
  done
done
kill -TERM "$pid"
wait "$pid" || true
pid=
[ -f "$out" ] || { cat "$scratch/log" >&2; echo "aot-train: the JVM wrote no cache" >&2; exit 1; }
. "$root/scripts/lib/jdk.sh"   # the JDK bin/jcri ran, whose cache this is
echo "$JAVA_HOME" > "$out.jdk"
echo "aot-train: wrote $out ($(du -h "$out" | cut -f1))"
