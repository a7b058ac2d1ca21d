#!/usr/bin/env bash
# Benchmarks jcri through CRI and, when Debian's containerd is installed (apt-get install containerd), containerd
# in the same run, printing one table with jcri/containerd ratios. See docs/performance.md.
#   usage: scripts/bench.sh [--tiny] [--no-containerd] [--only=pod-start,exec,concurrent,memory,list,pull]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh" >/dev/null
. "$root/scripts/lib/jdk.sh"
cd "$root"
"$root/scripts/default-network.sh" >/dev/null
mvn -B -q -ntp install -DskipTests
"$root/scripts/aot-train.sh"
mvn -B -q -ntp -pl e2e test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$root/e2e/target/bench.classpath"
exec "$JAVA_HOME/bin/java" -Djcri.root="$root" --enable-native-access=ALL-UNNAMED \
  -cp "e2e/target/test-classes:$(cat e2e/target/bench.classpath)" io.jcri.e2e.bench.BenchMain "$@"
