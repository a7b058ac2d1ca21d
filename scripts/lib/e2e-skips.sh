#!/usr/bin/env bash
# Prints the e2e tests that were skipped in the surefire reports newer than the stamp file $2 under the module
# directory $1 (one "class.method: reason" a line); exits 1 when there is any, or when no report is that new.
set -euo pipefail
reports="$1/target/surefire-reports"
stamp="$2"
mapfile -t files < <(find "$reports" -maxdepth 1 -name 'TEST-*.xml' -newer "$stamp" 2>/dev/null | sort)
if [ ${#files[@]} -eq 0 ]; then
  echo "no e2e test reports in $reports from this run" >&2
  exit 1
fi
skipped=$(awk '
  /<testcase / {
    name = ""; cls = ""
    if (match($0, /name="[^"]*"/)) name = substr($0, RSTART + 6, RLENGTH - 7)
    if (match($0, /classname="[^"]*"/)) cls = substr($0, RSTART + 11, RLENGTH - 12)
  }
  /<skipped/ {
    why = ""
    if (match($0, /message="[^"]*"/)) why = substr($0, RSTART + 9, RLENGTH - 10)
    else if (match($0, /CDATA\[.*/)) why = substr($0, RSTART + 6)
    print cls "." name ": " why
  }' "${files[@]}")
if [ -n "$skipped" ]; then
  echo "$skipped"
  exit 1
fi
