#!/usr/bin/env bash
# The long run (issue 23): jcri, then containerd 2.x + runc, each with a node of 110 pods for 30 minutes under
# kubelet's load (one long-lived channel) and a crictl-style client (a connection per command); memory, threads,
# descriptors and CPU sampled every 10 s, every call's p50/p99 per minute. Writes soak-samples.csv,
# soak-calls.csv and soak-memory.svg (default e2e/target/soak) and prints the summary. See docs/performance.md.
#   usage: scripts/soak.sh [--no-containerd] [--pods=110] [--minutes=30] [--out=DIR]
exec "$(cd "$(dirname "$0")" && pwd)/bench.sh" --only=soak "$@"
