#!/usr/bin/env bash
# Benchmarks jcri through CRI and, side by side, containerd 2.x (unpacked from Debian sid into /opt/containerd-2 by
# ../shared/anchors/containerd-from-sid.sh when missing), printing one table with jcri/containerd ratios. See
# docs/performance.md.
#   usage: scripts/bench.sh [--tiny] [--no-containerd] [--pods=10,50,110] [--steady-seconds=60]
#          [--only=pod-start,exec,status,concurrent,list,pull,alloc,memory,steady,restart]
#   or:    scripts/bench.sh --only=soak [--no-containerd] [--pods=110] [--minutes=30] [--out=DIR]   (scripts/soak.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh" >/dev/null
. "$root/scripts/lib/jdk.sh"
cd "$root"
"$root/scripts/default-network.sh" >/dev/null
containerd=/opt/containerd-2/usr/bin/containerd
unpack="$root/../shared/anchors/containerd-from-sid.sh"
case " $* " in
  *" --tiny "*|*" --no-containerd "*) ;;   # CI's smoke run measures jcri alone
  *) if [ ! -x "$containerd" ]; then
       if [ -x "$unpack" ]; then "$unpack" /opt/containerd-2
       else echo "bench: no $containerd and no $unpack: jcri only" >&2; fi
     fi ;;
esac
# Built in the reactor, not installed: the e2e classpath points at the modules' own target directories.
mvn -B -q -ntp -pl e2e -am package -DskipTests dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.classpath
"$root/scripts/aot-train.sh"
exec "$JAVA_HOME/bin/java" -Djcri.root="$root" -Djcri.bench.containerd="$containerd" \
  --enable-native-access=ALL-UNNAMED -cp "e2e/target/test-classes:$(cat e2e/target/bench.classpath)" \
  io.jcri.e2e.bench.BenchMain "$@"
