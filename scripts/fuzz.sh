#!/usr/bin/env bash
# Runs each Jazzer fuzz test in fuzzing mode for its maxDuration (Jazzer fuzzes one test per run).
# Regression mode (replaying the committed seeds) is part of the ordinary test run already.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/lib/jdk.sh"
cd "$root"
targets=(
  "cri-server:ConfigLoaderFuzzTest"
  "image-service:ImageReferenceFuzzTest"
  "image-service:LayerUnpackerFuzzTest"
)
for t in "${targets[@]}"; do
  module=${t%%:*} test=${t#*:}
  echo "fuzzing $module $test"
  # -am: the modules it depends on come from this tree, never from jars an older build left in ~/.m2
  JAZZER_FUZZ=1 mvn -B -ntp -q -o test -pl "$module" -am -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false
done
echo "fuzzing done: ${#targets[@]} targets"
