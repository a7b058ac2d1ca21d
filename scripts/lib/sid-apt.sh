# Sourced: sid_unpack DEST PACKAGE... downloads packages from Debian's sid suite and unpacks them into DEST,
# without touching the system's apt sources or installed packages: a private apt configuration under
# /var/tmp/apt-sid lists sid from the same Debian mirror that the system's sources name. For software whose
# sid build needs a newer glibc than the system's: it runs with sid's loader and libraries from DEST.
sid_apt_dir=/var/tmp/apt-sid

# Writes the private configuration and reads sid's package lists once a day; prints the configuration's path.
sid_apt_conf() {
  local alt=$sid_apt_dir uri
  uri=$(sed -n -e 's|^URIs: *\(\S*/debian\)/\?$|\1|p' -e 's|^deb \(\[[^]]*\] \)\?\(\S*/debian\)/\? .*|\2|p' \
        /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -1) || true
  [ -n "$uri" ] || { echo "no Debian mirror found in the system's apt sources" >&2; return 1; }
  mkdir -p "$alt/lists/partial" "$alt/cache/archives/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri sid main" > "$alt/sources.list"
  cat > "$alt/apt.conf" <<CONF
Dir::Etc::SourceList "$alt/sources.list";
Dir::Etc::SourceParts "$alt/none";
Dir::State::Lists "$alt/lists";
Dir::Cache "$alt/cache";
APT::Sandbox::User "root";
CONF
  if [ -z "$(find "$alt/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
    apt-get -c "$alt/apt.conf" -q update >/dev/null || return 1
  fi
  echo "$alt/apt.conf"
}

# Prints PACKAGE... and every package they depend on in sid, recursively (recommends and suggests left out).
sid_closure() {
  local conf; conf=$(sid_apt_conf) || return 1
  apt-cache -c "$conf" depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
    --no-enhances "$@" | grep -v -e '^ ' -e '^<' | sort -u
}

sid_unpack() {
  local dest=$1; shift
  local conf debs
  conf=$(sid_apt_conf) || return 1
  debs=$(mktemp -d "$sid_apt_dir/debs.XXXXXX")
  (cd "$debs" && apt-get -c "$conf" -q download "$@" >/dev/null) || { rm -rf "$debs"; return 1; }
  mkdir -p "$dest"
  local d; for d in "$debs"/*.deb; do dpkg-deb -x "$d" "$dest"; done
  rm -rf "$debs"
}
