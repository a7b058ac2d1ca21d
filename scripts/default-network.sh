#!/usr/bin/env bash
# Writes jcri's default CNI network (bridge jcri0, host-local IPAM on 10.88.0.0/16, portmap, loopback)
# when the CNI conf dir holds no configuration yet. An existing configuration is left alone.
set -euo pipefail
dir=${1:-/etc/cni/net.d}
mkdir -p "$dir"
if ls "$dir"/*.conflist "$dir"/*.conf "$dir"/*.json >/dev/null 2>&1; then
  exit 0
fi
cat > "$dir/10-jcri.conflist" <<'JSON'
{
  "cniVersion": "1.0.0",
  "name": "jcri",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "jcri0",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "routes": [{ "dst": "0.0.0.0/0" }],
        "ranges": [[{ "subnet": "10.88.0.0/16", "gateway": "10.88.0.1" }]]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } },
    { "type": "loopback" }
  ]
}
JSON
echo "wrote the default CNI network $dir/10-jcri.conflist"
