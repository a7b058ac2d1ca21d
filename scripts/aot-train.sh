#!/usr/bin/env bash
# Records the JVM's AOT cache for the built jcri (JDK 25): classes loaded and linked ahead of time, and the method
# profiles of a representative run, so that a new daemon's JIT compiles the busy paths from those profiles instead
# of first gathering its own over the first minute's calls. The training run is the harness's long run made short (scripts/soak.sh --no-containerd:
# 20 pods of one container on a scratch daemon and registry, the daemon restarted, then a minute of kubelet's load
# over one channel beside a crictl-style client, exec probes among it, and the pods removed). Every daemon it starts
# records; the last one, stopped with SIGTERM after the load, writes the cache kept. Needs root and the modules built
# (the e2e module writes the classpath it starts the harness with: scripts/build.sh). See docs/performance.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/cri-server/target/jcri.aot"
classpath="$root/e2e/target/bench.classpath"
[ -f "$classpath" ] || { echo "aot-train: no $classpath; scripts/build.sh builds it" >&2; exit 1; }
. "$root/scripts/lib/jdk.sh"
"$root/scripts/default-network.sh" >/dev/null
scratch=$(mktemp -d /tmp/jcri-aot.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
rm -f "$out" "$out.jdk" "$out.opts"
if ! JCRI_AOT_OUTPUT="$out" "$JAVA_HOME/bin/java" -Djcri.root="$root" --enable-native-access=ALL-UNNAMED \
    -cp "$root/e2e/target/test-classes:$(cat "$classpath")" io.jcri.e2e.bench.BenchMain --only=soak --no-containerd \
    --pods=20 --minutes=1 --out="$scratch/report" >"$scratch/log" 2>&1; then
  cat "$scratch/log" >&2
  echo "aot-train: the training run failed" >&2
  exit 1
fi
[ -f "$out" ] || { cat "$scratch/log" >&2; echo "aot-train: the JVM wrote no cache" >&2; exit 1; }
echo "$JAVA_HOME" > "$out.jdk"   # the JDK bin/jcri ran, whose cache this is
echo "aot-train: wrote $out ($(du -h "$out" | cut -f1))"
