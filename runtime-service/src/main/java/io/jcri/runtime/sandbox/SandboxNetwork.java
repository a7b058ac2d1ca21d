package io.jcri.runtime.sandbox;

import io.jcri.cni.CniRequest;
import io.jcri.cni.CniResult;
import io.jcri.cni.NetworkAttacher;
import io.jcri.cri.CriException;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxMetadata;
import io.jcri.cri.v1.PortMapping;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A pod's attachment to the CNI network: the CNI request made from the sandbox config, ADD and DEL. */
final class SandboxNetwork {
    static final String IFNAME = "eth0";
    static final String INGRESS_BANDWIDTH = "kubernetes.io/ingress-bandwidth";
    static final String EGRESS_BANDWIDTH = "kubernetes.io/egress-bandwidth";
    // The bandwidth plugin needs a burst; like other runtimes, leave it effectively unlimited.
    private static final long UNLIMITED_BURST = Integer.MAX_VALUE;

    private final NetworkAttacher attacher;

    SandboxNetwork(NetworkAttacher attacher) {
        this.attacher = attacher;
    }

    CniResult attach(String id, String netnsPath, PodSandboxConfig config, String podCidr) {
        return attacher.attach(request(id, netnsPath, config, podCidr));
    }

    /** DEL from the cached attachment; nothing cached means nothing to do. */
    void detach(String id) {
        attacher.detach(id, IFNAME);
    }

    /** The CNI_ARGS that come from the pod's metadata, as the client sent it. */
    static Map<String, String> podArgs(PodSandboxMetadata md) {
        return Map.of("K8S_POD_NAMESPACE", md.getNamespace(), "K8S_POD_NAME", md.getName(),
                "K8S_POD_UID", md.getUid());
    }

    /** @param podCidr the node's pod CIDR, empty when kubelet has sent none */
    static CniRequest request(String id, String netnsPath, PodSandboxConfig config, String podCidr) {
        Map<String, String> args = new HashMap<>(podArgs(config.getMetadata()));
        args.put("K8S_POD_INFRA_CONTAINER_ID", id);
        Map<String, Object> caps = new LinkedHashMap<>();
        // A mapping without a host port only documents the container port: there is nothing to forward.
        List<Map<String, Object>> ports = config.getPortMappingsList().stream().filter(p -> p.getHostPort() > 0)
                .map(SandboxNetwork::portMapping).toList();
        if (!ports.isEmpty()) {
            caps.put("portMappings", ports);
        }
        Map<String, Object> bandwidth = bandwidth(config.getAnnotationsMap());
        if (!bandwidth.isEmpty()) {
            caps.put("bandwidth", bandwidth);
        }
        if (config.hasDnsConfig()) {
            caps.put("dns", Map.of("servers", config.getDnsConfig().getServersList(),
                    "searches", config.getDnsConfig().getSearchesList(),
                    "options", config.getDnsConfig().getOptionsList()));
        }
        if (!podCidr.isEmpty()) {
            caps.put("ipRanges", List.of(List.of(Map.of("subnet", podCidr))));
        }
        return new CniRequest(id, netnsPath, IFNAME, args, caps);
    }

    private static Map<String, Object> portMapping(PortMapping p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hostPort", p.getHostPort());
        m.put("containerPort", p.getContainerPort());
        m.put("protocol", p.getProtocol().name().toLowerCase(Locale.ROOT));
        if (!p.getHostIp().isEmpty()) {
            m.put("hostIP", p.getHostIp());
        }
        return m;
    }

    static Map<String, Object> bandwidth(Map<String, String> annotations) {
        Map<String, Object> b = new LinkedHashMap<>();
        String in = annotations.get(INGRESS_BANDWIDTH);
        String out = annotations.get(EGRESS_BANDWIDTH);
        if (in != null) {
            b.put("ingressRate", bitsPerSecond(INGRESS_BANDWIDTH, in));
            b.put("ingressBurst", UNLIMITED_BURST);
        }
        if (out != null) {
            b.put("egressRate", bitsPerSecond(EGRESS_BANDWIDTH, out));
            b.put("egressBurst", UNLIMITED_BURST);
        }
        return b;
    }

    /** A Kubernetes quantity ("10M", "1Gi", "500k") as bits per second. */
    static long bitsPerSecond(String annotation, String quantity) {
        String q = quantity.strip();
        List<Map.Entry<String, Long>> suffixes = List.of(Map.entry("Ki", 1L << 10), Map.entry("Mi", 1L << 20),
                Map.entry("Gi", 1L << 30), Map.entry("Ti", 1L << 40), Map.entry("k", 1_000L),
                Map.entry("M", 1_000_000L), Map.entry("G", 1_000_000_000L), Map.entry("T", 1_000_000_000_000L));
        long multiplier = 1;
        for (Map.Entry<String, Long> s : suffixes) {
            if (q.endsWith(s.getKey())) {
                multiplier = s.getValue();
                q = q.substring(0, q.length() - s.getKey().length());
                break;
            }
        }
        try {
            long v = new BigDecimal(q).multiply(BigDecimal.valueOf(multiplier)).longValueExact();
            if (v <= 0) {
                throw CriException.invalid(annotation + " must be positive, not '" + quantity + "'");
            }
            return v;
        } catch (NumberFormatException | ArithmeticException e) {
            throw CriException.invalid(annotation + " '" + quantity + "' is not a quantity like 10M");
        }
    }
}
