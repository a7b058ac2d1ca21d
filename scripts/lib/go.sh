# Sourced: sets GO to a Go 1.26 or newer (what the pinned kubelet builds with), or stops with a message.
# Candidates: GO, `go` on PATH, /usr/local/go, then Debian sid's Go that scripts/install-deps.sh unpacks when
# there is none (scripts/lib/go-from-sid.sh; Debian 12 packages only Go 1.19).
jcri_sid_go=/opt/jcri/go-sid/root/usr/lib/go-1.26/bin/go
pick_go() {
  local c v major minor
  for c in "${GO:-}" "$(command -v go || true)" /usr/local/go/bin/go "$jcri_sid_go"; do
    [ -n "$c" ] && [ -x "$c" ] || continue
    v=$("$c" env GOVERSION 2>/dev/null) || continue
    v=${v#go}; major=${v%%.*}; minor=${v#*.}; minor=${minor%%[!0-9]*}   # go1.26.8, go1.27rc1
    case "$major$minor" in ''|*[!0-9]*) continue ;; esac
    if [ "$major" -gt 1 ] || { [ "$major" = 1 ] && [ "$minor" -ge 26 ]; }; then
      GO=$c; export GO; return 0
    fi
  done
  echo "the kubelet of the e2e tests needs Go 1.26 or newer; none found; scripts/install-deps.sh (as root) provides one" >&2
  return 1
}
pick_go || exit 1
