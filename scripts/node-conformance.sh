#!/usr/bin/env bash
# Kubernetes' node conformance suite ([NodeConformance] specs of k8s.io/kubernetes/test/e2e_node) against a CRI
# endpoint, from the release e2e/kubelet/go.mod pins. Nothing of Kubernetes is kept in the repository: the suite
# binary and agnhost are built into a cache outside it (JCRI_KUBELET_CACHE, by default /var/cache/jcri-test), once
# per release, as scripts/kubelet.sh builds kubelet.
#
#   scripts/node-conformance.sh build               suite binary + agnhost + kubelet into the cache (heavy: run it
#                                                   under the build lock; a cold build is ~20 min of both cores)
#   scripts/node-conformance.sh images REGISTRY     the suite's test images (agnhost, busybox, nginx, pause,
#                                                   nonewprivs, nonroot, glibc-dns-testing), built from Debian
#                                                   sid's busybox and glibc (scripts/lib/sid-apt.sh),
#                                                   Debian's netcat-openbsd (apt-get download), this
#                                                   machine's curl and the agnhost binary, pushed to a plain-HTTP registry (API v2) as
#                                                   REGISTRY/<name without registry.k8s.io/>; the runtime maps
#                                                   registry.k8s.io to REGISTRY (registries.conf)
#   scripts/node-conformance.sh run ENDPOINT DIR [ginkgo flags...]
#                                                   the suite against ENDPOINT (unix:///...) in JCRI_NODE_E2E_PROCS
#                                                   (6) ginkgo processes, reports in DIR; kubelet, etcd and
#                                                   kube-apiserver are started by the suite itself (kubelet's root is
#                                                   the suite's fixed /var/lib/kubelet). The specs: those matching
#                                                   JCRI_NODE_E2E_FOCUS ([NodeConformance]) minus [Serial]/[Slow]/
#                                                   [Flaky]/[Disruptive]; later ginkgo flags add skips (--skip: a
#                                                   --focus would widen the focus, not narrow it) or win (--timeout,
#                                                   25m by default). Runs pods: hold
#                                                   the build lock. The RuntimeClass specs want a runtime handler
#                                                   named test-handler (upstream's CI configures one for runc).
#                                                   kubelet's state files stay in /var/lib/kubelet afterwards.
#                                                   JCRI_NODE_E2E_RUNTIME_PROCESS names the runtime's process for
#                                                   the suite's resource figures (java); JCRI_NODE_E2E_FEATURE_GATES
#                                                   (K=true,...) goes to the suite and its kubelet as --feature-gates.
#   scripts/node-conformance.sh jcri DIR REGISTRY [ginkgo flags...]
#                                                   the suite against jcri of this checkout (built when it is not),
#                                                   started here from a scratch configuration in DIR/jcri: the
#                                                   suite's registries mapped to REGISTRY, its own CNI
#                                                   bridge, runc as runc and test-handler; its pods removed and jcri
#                                                   stopped afterwards.
#   scripts/node-conformance.sh containerd DIR REGISTRY [ginkgo flags...]
#                                                   the same run against containerd 2.x, the peer (/opt/containerd-2,
#                                                   unpacked by ../shared/anchors/containerd-from-sid.sh when
#                                                   missing), started here from a scratch configuration in
#                                                   DIR/containerd: every registry mapped to REGISTRY, its own CNI
#                                                   bridge, runc as runc and test-handler, cgroupfs, on the standard
#                                                   socket /run/containerd/containerd.sock (where the cAdvisor in
#                                                   kubelet looks for containerd); its pods removed and containerd
#                                                   stopped afterwards.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
module="$root/e2e/kubelet"
version=$(sed -n 's/^\(require \|\t\)k8s.io\/kubernetes \(v[0-9.]*\)$/\2/p' "$module/go.mod")
[ -n "$version" ] || { echo "no k8s.io/kubernetes release in $module/go.mod" >&2; exit 1; }
cache="${JCRI_KUBELET_CACHE:-/var/cache/jcri-test}"
dir="$cache/e2e_node-$version"

build() {
  . "$root/scripts/lib/go.sh"
  mkdir -p "$dir"
  local flags="-p=${JCRI_GO_JOBS:-2} -mod=readonly -buildvcs=false"
  if [ ! -x "$dir/e2e_node.test" ]; then
    echo "building the node e2e suite $version into $dir" >&2
    (cd "$module" && CGO_ENABLED=0 GOFLAGS="$flags" "$GO" test -c -trimpath -tags providerless \
      -o "$dir/.e2e_node.test" k8s.io/kubernetes/test/e2e_node)
    mv "$dir/.e2e_node.test" "$dir/e2e_node.test"
  fi
  if [ ! -x "$dir/ginkgo" ]; then
    (cd "$module" && CGO_ENABLED=0 GOFLAGS="$flags" "$GO" build -trimpath -o "$dir/.ginkgo" github.com/onsi/ginkgo/v2/ginkgo)
    mv "$dir/.ginkgo" "$dir/ginkgo"
  fi
  if [ ! -x "$dir/agnhost" ]; then
    (cd "$module" && CGO_ENABLED=0 GOFLAGS="$flags" "$GO" build -trimpath -ldflags "-s -w" \
      -o "$dir/.agnhost" k8s.io/kubernetes/test/images/agnhost)
    mv "$dir/.agnhost" "$dir/agnhost"
  fi
  "$root/scripts/kubelet.sh" > /dev/null
  echo "$dir"
}

images() {
  local reg=$1 w
  . "$root/scripts/lib/go.sh"
  . "$root/scripts/lib/sid-apt.sh"   # before the RETURN trap below, which a finished `.` would fire
  [ -x "$dir/agnhost" ] || { echo "$dir/agnhost is not built: run $0 build" >&2; exit 1; }
  w=$(mktemp -d)
  trap 'rm -rf "$w"' RETURN
  mkdir -p "$w/blobs" "$w/root"
  local oci=application/vnd.oci.image
  declare -A L

  blob() {  # FILE -> "sha256:<hex> <size>", FILE moved into the blob store
    local d; d=$(sha256sum "$1" | cut -d' ' -f1)
    mv "$1" "$w/blobs/$d"
    echo "sha256:$d $(stat -c %s "$w/blobs/$d")"
  }
  layer() {  # NAME: reproducible tar.gz of $w/root/NAME; L[NAME]="<digest> <size> <diff_id>"
    (cd "$w/root/$1" && tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@1672531200 --format=gnu \
      -cf "$w/layer.tar" $(ls -A))
    local diff; diff=sha256:$(sha256sum "$w/layer.tar" | cut -d' ' -f1)
    gzip -n -9 "$w/layer.tar"
    L[$1]="$(blob "$w/layer.tar.gz") $diff"
  }
  file() { mkdir -p "$(dirname "$w/root/$1")"; cat > "$w/root/$1"; chmod "$2" "$w/root/$1"; }
  push_blob() {  # REPO DIGEST
    local loc sep
    curl -sfI "http://$reg/v2/$1/blobs/$2" > /dev/null && return
    loc=$(curl -sf -X POST -D - -o /dev/null "http://$reg/v2/$1/blobs/uploads/" | tr -d '\r' |
      sed -n 's/^[Ll]ocation: *//p')
    [[ $loc == http* ]] || loc=http://$reg$loc
    [[ $loc == *\?* ]] && sep='&' || sep='?'
    curl -sf -X PUT -H 'Content-Type: application/octet-stream' --data-binary @"$w/blobs/${2#sha256:}" \
      "$loc${sep}digest=$2" > /dev/null
  }
  image() {  # CONFIG LAYER... -- NAME...: an OCI image manifest, pushed under each NAME
    local cfg=$1 layers=() lines c m ref repo l; shift
    while [ "$1" != -- ]; do layers+=("$1"); shift; done; shift
    lines=$(for l in "${layers[@]}"; do echo "${L[$l]}"; done)
    jq -cnS --argjson c "$cfg" --argjson d "$(jq -cRn '[inputs | split(" ")[2]]' <<< "$lines")" \
      '{architecture: "amd64", os: "linux", created: "2023-01-01T00:00:00Z", config: $c,
        rootfs: {type: "layers", diff_ids: $d}}' > "$w/c"
    c=$(blob "$w/c")
    jq -cn --arg c "${c% *}" --argjson cs "${c#* }" --arg t "$oci" \
      --argjson l "$(jq -cRn '[inputs | split(" ") | {digest: .[0], size: (.[1] | tonumber)}]' <<< "$lines")" \
      '{schemaVersion: 2, mediaType: "\($t).manifest.v1+json",
        config: {mediaType: "\($t).config.v1+json", digest: $c, size: $cs},
        layers: [$l[] | {mediaType: "\($t).layer.v1.tar+gzip"} + .]}' > "$w/m"
    m=$(blob "$w/m")
    for ref in "$@"; do
      repo=${ref%:*}; repo=${repo#*/}
      for l in "${layers[@]}"; do push_blob "$repo" "${L[$l]%% *}"; done
      push_blob "$repo" "${c% *}"
      m=${m% *}
      curl -sf -X PUT -H "Content-Type: $oci.manifest.v1+json" --data-binary @"$w/blobs/${m#sha256:}" \
        "http://$reg/v2/$repo/manifests/${ref##*:}" > /dev/null
      echo "$reg/$repo:${ref##*:}  ${m% *}"
    done
  }
  cfg() { jq -cn --argjson x "${1:-"{}"}" '{Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                                            Cmd: ["sh"]} + $x'; }

  # base: busybox with every applet hard-linked (the tests run ls, cat, sh, wget, ...), its libraries, users.
  # Upstream's image has busybox 1.37; Debian sid's dynamically linked busybox (1.38) stands in, with sid's glibc,
  # which it needs: Debian 12's busybox 1.35 differs where a spec notices (its ash drops environment variables
  # whose names are not identifiers, such as the envFrom key data-1), and busybox-static's shell runs applets in
  # its own process, which some specs notice too.
  local r=$w/root/base p lib sid=$w/sid
  sid_unpack "$sid" busybox libc6
  local libs=$sid/usr/lib/x86_64-linux-gnu
  local ld=$libs/ld-linux-x86-64.so.2
  busybox() { "$ld" --library-path "$libs" "$sid/usr/bin/busybox" "$@"; }
  mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc,home,root,tmp,var/run,lib64,lib/x86_64-linux-gnu}
  chmod 1777 "$r/tmp"; chmod 700 "$r/root"
  install -m 755 "$sid/usr/bin/busybox" "$r/bin/busybox"
  # its libraries where the loader looks first (and where the agnhost layer's own, this machine's, would go), the
  # loader where busybox names it
  for lib in $("$ld" --library-path "$libs" --list "$sid/usr/bin/busybox" | grep -o "$libs/lib[^ ]*"); do
    cp -L "$lib" "$r/lib/x86_64-linux-gnu/"
  done
  cp -L "$ld" "$r/lib64/"
  # every applet in /bin as in upstream's busybox image (specs run /bin/sysctl), and where Debian puts it
  for p in $(busybox --list) $(busybox --list-full); do
    [[ $p == */* ]] || p=bin/$p
    [ -e "$r/$p" ] || ln "$r/bin/busybox" "$r/$p"
  done
  printf '%s\n' root:x:0:0:root:/root:/bin/sh daemon:x:1:1:daemon:/usr/sbin:/bin/false \
    www-data:x:33:33:www-data:/var/www:/bin/false nobody:x:65534:65534:nobody:/home:/bin/false |
    file base/etc/passwd 644
  printf '%s\n' root:x:0: daemon:x:1: wheel:x:10:root www-data:x:33: users:x:100: nogroup:x:65534: |
    file base/etc/group 644
  # busybox upstream has nmeter (Debian's has not): the container lifecycle specs take milliseconds from
  # "nmeter -d0 '%3t'" (HH:MM:SS.mmm)
  mkdir -p "$w/root/nmeter/usr/bin"
  printf '%s\n' '#include <stdio.h>' '#include <sys/time.h>' '#include <time.h>' \
    'int main(void) { struct timeval tv; gettimeofday(&tv, 0); struct tm t; gmtime_r(&tv.tv_sec, &t);' \
    '  printf("%02d:%02d:%02d.%03ld\n", t.tm_hour, t.tm_min, t.tm_sec, (long) tv.tv_usec / 1000); return 0; }' \
    > "$w/nmeter.c"
  gcc -static -Os -s -o "$w/root/nmeter/usr/bin/nmeter" "$w/nmeter.c"
  # agnhost (test/images/agnhost/Dockerfile): /agnhost and /agnhost-2, /uploads, user-defined-in-image (1000) in
  # group-defined-in-image (50000), and an nc that speaks UDP (the networking specs run "nc -w 1 -u"; busybox's
  # nc has no -u): Debian's netcat-openbsd with its libraries
  (cd "$w" && apt-get download -q netcat-openbsd > /dev/null 2>&1 && dpkg -x netcat-openbsd_*.deb nc)
  install -D -m 755 "$w/nc/bin/nc.openbsd" "$w/root/agnhost/usr/bin/nc"
  # and curl (the pod networking specs exec "curl .../dial?..." in agnhost): this machine's, with its libraries
  install -D -m 755 "$(command -v curl)" "$w/root/agnhost/usr/bin/curl"
  # (not those the base layer has from sid: glibc is backwards compatible, and busybox needs sid's)
  for lib in $(ldd "$w/nc/bin/nc.openbsd" "$(command -v curl)" | awk '/=> \//{print $3} /^\t\//{print $1}' | sort -u); do
    [ -e "$r$lib" ] || { mkdir -p "$w/root/agnhost${lib%/*}"; cp -L "$lib" "$w/root/agnhost$lib"; }
  done
  install -D -m 755 "$dir/agnhost" "$w/root/agnhost/agnhost"
  # upstream's agnhost has bash (probe specs run /bin/bash -c): busybox's ash stands in
  printf '#!/bin/sh\nexec sh "$@"\n' | file agnhost/bin/bash 755
  # the certificate and key netexec serves HTTPS with (the https lifecycle hook specs)
  local src; src=$(cd "$module" && GOFLAGS=-mod=readonly "$GO" list -m -f '{{.Dir}}' k8s.io/kubernetes)
  install -m 644 "$src/test/images/agnhost/porter/localhost.crt" "$src/test/images/agnhost/porter/localhost.key" \
    "$w/root/agnhost/"
  ln -s agnhost "$w/root/agnhost/agnhost-2"
  mkdir -p "$w/root/agnhost/uploads"
  { cat "$r/etc/passwd"; echo "user-defined-in-image:x:1000:1000::/home/user-defined-in-image:/bin/sh"; } |
    file agnhost/etc/passwd 644
  { cat "$r/etc/group"; echo "user-defined-in-image:x:1000:"; echo "group-defined-in-image:x:50000:user-defined-in-image"; } |
    file agnhost/etc/group 644
  # nonroot (test/images/nonroot): user nonroot 1234
  { cat "$r/etc/passwd"; echo "nonroot:x:1234:1234::/home/nonroot:/bin/sh"; } | file nonroot/etc/passwd 644
  { cat "$r/etc/group"; echo "nonroot:x:1234:"; } | file nonroot/etc/group 644
  # nginx stand-in: busybox httpd on port 80 with nginx's pid file and process title
  file nginx/usr/sbin/nginx 755 <<'EOF'
#!/bin/sh
[ "$1" = master ] || exec "$0" master "nginx: master process nginx $*"
httpd -f -v -p 80 -h /usr/share/nginx/html & child=$!
echo $$ > /var/run/nginx.pid
trap 'kill $child; rm -f /var/run/nginx.pid; exit 0' TERM INT QUIT
wait $child
EOF
  file nginx/usr/share/nginx/html/index.html 644 <<< '<h1>Welcome to nginx!</h1>'
  # nonewprivs (test/images/nonewprivs): a setuid-root program printing its effective uid
  mkdir -p "$w/root/nnp/usr/local/bin"
  printf '#include <stdio.h>\n#include <unistd.h>\nint main(void) { printf("Effective uid: %%d\\n", geteuid()); return 0; }\n' \
    > "$w/nnp.c"
  gcc -static -Os -s -o "$w/root/nnp/usr/local/bin/nnp" "$w/nnp.c"
  chmod 4755 "$w/root/nnp/usr/local/bin/nnp"
  # pause: block, exit 0 on TERM/INT
  file pause/pause 755 <<'EOF'
#!/bin/sh
trap 'exit 0' TERM INT
trap '' CHLD
while :; do read -r _ <> /pause.fifo; done
EOF
  mkfifo -m 666 "$w/root/pause/pause.fifo"

  for p in "$w"/root/*; do layer "${p##*/}"; done
  local e=registry.k8s.io/e2e-test-images
  # glibc-dns-testing is a glibc userland for "hostname -f": sid's busybox is linked against glibc
  image "$(cfg)" base nmeter -- $e/busybox:1.37.0-1 $e/busybox:1.36.1-1 $e/glibc-dns-testing:2.0.0
  image "$(cfg '{"Entrypoint":["/agnhost"],"Cmd":["pause"]}')" base nmeter agnhost -- $e/agnhost:2.63.0 $e/agnhost:2.55
  image "$(cfg '{"Cmd":["nginx","-g","daemon off;"],"StopSignal":"SIGTERM"}')" base nginx -- $e/nginx:1.15-4
  image "$(cfg '{"Cmd":["nnp"]}')" base nnp -- $e/nonewprivs:1.4
  image "$(cfg '{"User":"1234"}')" base nonroot -- $e/nonroot:1.5
  image '{"Entrypoint":["/pause"],"User":"65535:65535"}' base pause -- registry.k8s.io/pause:3.10.2
}

run() {
  local endpoint=$1 reports=$2; shift 2
  [ -x "$dir/e2e_node.test" ] || { echo "$dir/e2e_node.test is not built: run $0 build" >&2; exit 1; }
  local kubelet; kubelet=$("$root/scripts/kubelet.sh")
  mkdir -p "$reports"
  # kubelet as on a node without systemd and with cgroup v1: cgroupfs driver, cgroup v1 and swap accepted. The
  # suite also sets systemCgroups=/system, which would move every process of the machine outside a cgroup into
  # /system: --system-cgroups= below turns that off on a shared machine.
  cat > "$reports/kubelet-base.yaml" <<'EOF'
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
cgroupRoot: /
failCgroupV1: false
failSwapOn: false
podCIDR: 10.100.0.0/24
serializeImagePulls: false
fileCheckFrequency: 10s
volumeStatsAggPeriod: 10s
evictionPressureTransitionPeriod: 30s
evictionHard:
  memory.available: 250Mi
  nodefs.available: 5%
  imagefs.available: 5%
EOF
  # The suite runs kubelet under systemd-run when that is on the PATH, installed or not booted with systemd: on a
  # machine without systemd as init, a PATH of /usr/bin minus systemd-run makes it start kubelet as its child.
  local path=$PATH
  if command -v systemd-run > /dev/null && [ ! -d /run/systemd/system ]; then
    mkdir -p "$reports/path"
    find /usr/bin -maxdepth 1 ! -type d ! -name systemd-run -exec ln -sf {} "$reports/path/" \;
    path="$reports/path:/usr/local/sbin:/usr/local/bin:/usr/sbin:/sbin"
  fi
  # the suite writes kubeconfig, kubelet config and static pod dirs into its working directory; ginkgo's first
  # process starts etcd, kube-apiserver and kubelet, the others share them
  cd "$reports"
  PATH=$path "$dir/ginkgo" --procs="${JCRI_NODE_E2E_PROCS:-6}" --no-color --timeout=25m \
    --focus="${JCRI_NODE_E2E_FOCUS:-\[NodeConformance\]}" --skip='\[Flaky\]|\[Slow\]|\[Serial\]|\[Disruptive\]' \
    --junit-report=junit.xml --output-dir="$reports" "$@" "$dir/e2e_node.test" -- \
    --container-runtime-endpoint="$endpoint" --image-service-endpoint="$endpoint" \
    --k8s-bin-dir="$(dirname "$kubelet")" --kubelet-config-file="$reports/kubelet-base.yaml" \
    --container-runtime-process-name="${JCRI_NODE_E2E_RUNTIME_PROCESS:-java}" --container-runtime-pid-file= \
    --prepull-images=false --report-dir="$reports" --node-name="$(hostname)" \
    --kubelet-flags=--system-cgroups= ${JCRI_NODE_E2E_FEATURE_GATES:+--feature-gates="$JCRI_NODE_E2E_FEATURE_GATES"}
}

jcri_run() {
  mkdir -p "$1"
  local reports registry=$2; reports=$(cd "$1" && pwd); shift 2
  local j="$reports/jcri" crictl; crictl=$("$root/scripts/crictl.sh" | tail -1)
  [ -f "$root/cri-server/target/jcri.jar" ] || "$root/scripts/build.sh"
  mkdir -p "$j/net.d"
  # the suite's registry and its deliberately invalid one are REGISTRY: no pull leaves the machine
  for h in registry.k8s.io invalid.registry.k8s.io; do
    printf '[[registry]]\nprefix = "%s"\nlocation = "%s"\ninsecure = true\n' "$h" "$registry"
  done > "$j/registries.conf"
  cat > "$j/net.d/10-node-e2e.conflist" <<'EOF'
{"cniVersion":"1.0.0","name":"node-e2e-jcri","plugins":[
 {"type":"bridge","bridge":"ne2ejcri0","isGateway":true,"ipMasq":true,"hairpinMode":true,
  "ipam":{"type":"host-local","ranges":[[{"subnet":"10.132.0.0/24","gateway":"10.132.0.1"}]],
          "routes":[{"dst":"0.0.0.0/0"}]}},
 {"type":"portmap","capabilities":{"portMappings":true}},
 {"type":"loopback"}]}
EOF
  # the runc and crun handlers again: a handlers table replaces the defaults
  cat > "$j/jcri.toml" <<EOF
[server]
socket = "$j/run/jcri.sock"
[state]
root = "$j/lib"
run_root = "$j/run"
[cni]
conf_dir = "$j/net.d"
bin_dirs = ["/usr/lib/cni", "/opt/cni/bin"]
[image]
registries_conf = "$j/registries.conf"
[inspect]
enabled = false
[runtime.handlers.runc]
binary = "runc"
[runtime.handlers.crun]
binary = "crun"
[runtime.handlers.test-handler]
binary = "runc"
EOF
  setsid "$root/bin/jcri" serve --config "$j/jcri.toml" < /dev/null > "$j/jcri.log" 2>&1 &
  # shellcheck disable=SC2064  # the values now, not at exit
  trap "runtime_stop $! '$j/run/jcri.sock' '$j' ne2ejcri0 node-e2e-jcri '$crictl'" EXIT
  await_socket "$j/run/jcri.sock" "$j/jcri.log"
  run "unix://$j/run/jcri.sock" "$reports" "$@"
}

containerd_run() {
  mkdir -p "$1"
  local reports registry=$2; reports=$(cd "$1" && pwd); shift 2
  local binary=/opt/containerd-2/usr/bin/containerd unpack="$root/../shared/anchors/containerd-from-sid.sh"
  [ -x "$binary" ] || "$unpack" /opt/containerd-2
  local c="$reports/containerd" sock=/run/containerd/containerd.sock h
  if [ -S "$sock" ]; then echo "a containerd already answers on $sock" >&2; exit 1; fi
  local crictl; crictl=$("$root/scripts/crictl.sh" | tail -1)
  mkdir -p "$c/net.d"
  # every registry, the suite's deliberately invalid ones too, is REGISTRY: no pull leaves the machine
  for h in registry.k8s.io _default; do
    mkdir -p "$c/certs.d/$h"
    printf 'server = "http://%s"\n[host."http://%s"]\n  capabilities = ["pull", "resolve"]\n' \
      "$registry" "$registry" > "$c/certs.d/$h/hosts.toml"
  done
  cat > "$c/net.d/10-node-e2e.conflist" <<'EOF'
{"cniVersion":"1.0.0","name":"node-e2e-containerd","plugins":[
 {"type":"bridge","bridge":"ne2ectrd0","isGateway":true,"ipMasq":true,"hairpinMode":true,
  "ipam":{"type":"host-local","ranges":[[{"subnet":"10.133.0.0/24","gateway":"10.133.0.1"}]],
          "routes":[{"dst":"0.0.0.0/0"}]}},
 {"type":"portmap","capabilities":{"portMappings":true}}]}
EOF
  # root lacks CAP_SYS_RESOURCE here (restrict_oom_score_adj); NRI off, its socket would be the host's
  cat > "$c/config.toml" <<EOF
version = 3
root = "$c/root"
state = "$c/state"
[grpc]
  address = "$sock"
[plugins."io.containerd.nri.v1.nri"]
  disable = true
[plugins."io.containerd.internal.v1.opt"]
  path = "$c/opt"
[plugins."io.containerd.cri.v1.images"]
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = "registry.k8s.io/pause:3.10.2"
  [plugins."io.containerd.cri.v1.images".registry]
    config_path = "$c/certs.d"
[plugins."io.containerd.cri.v1.runtime"]
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
      SystemdCgroup = false
  [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.test-handler]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.test-handler.options]
      SystemdCgroup = false
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["/usr/lib/cni", "/opt/cni/bin"]
    conf_dir = "$c/net.d"
EOF
  PATH="$(dirname "$binary"):$PATH" setsid "$binary" --config "$c/config.toml" < /dev/null > "$c/containerd.log" 2>&1 &
  # shellcheck disable=SC2064  # the values now, not at exit
  trap "runtime_stop $! $sock '$c' ne2ectrd0 node-e2e-containerd '$crictl'; rm -f $sock.ttrpc" EXIT
  await_socket "$sock" "$c/containerd.log"
  JCRI_NODE_E2E_RUNTIME_PROCESS=containerd run "unix://$sock" "$reports" "$@"
}

await_socket() {  # SOCKET LOG: a minute for the runtime to listen
  local i; for i in $(seq 300); do [ -S "$1" ] && return; sleep 0.2; done
  echo "the runtime did not open $1: $2" >&2; exit 1
}

runtime_stop() {  # PID SOCKET DIR BRIDGE NETWORK CRICTL: the pods first (they outlive the runtime), the runtime, its bridge
  "$6" -r "unix://$2" rmp -fa > "$3/rmp.log" 2>&1 || true
  kill "$1" 2>/dev/null && timeout 30 tail --pid="$1" -f /dev/null
  ip link del "$4" 2>/dev/null || true
  rm -rf "/var/lib/cni/networks/$5"
}

case "${1:-}" in
  build) build ;;
  images) images "${2:?registry host:port}" ;;
  run) shift; run "${1:?endpoint}" "${2:?report dir}" "${@:3}" ;;
  jcri) shift; jcri_run "${1:?report dir}" "${2:?registry host:port}" "${@:3}" ;;
  containerd) shift; containerd_run "${1:?report dir}" "${2:?registry host:port}" "${@:3}" ;;
  *) sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
