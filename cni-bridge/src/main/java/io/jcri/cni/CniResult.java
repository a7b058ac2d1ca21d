package io.jcri.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The result of adding a container to a network: the raw CNI result and the addresses it assigned.
 *
 * @param ips the assigned addresses without prefix length, IPv4 first (the first is the pod's primary IP)
 */
public record CniResult(ObjectNode raw, List<String> ips) {
    public CniResult {
        ips = List.copyOf(ips);
    }

    /** Reads the addresses from a result of any CNI version (0.3.0 and later {@code ips}; 0.2.0 ip4/ip6). */
    public static CniResult of(ObjectNode raw) {
        List<String> ips = new ArrayList<>();
        for (JsonNode ip : raw.path("ips")) {
            ips.add(stripPrefix(ip.path("address").asText()));
        }
        for (String legacy : List.of("ip4", "ip6")) {
            if (raw.path(legacy).has("ip")) {
                ips.add(stripPrefix(raw.path(legacy).path("ip").asText()));
            }
        }
        ips.removeIf(String::isEmpty);
        ips.sort(Comparator.comparing(ip -> ip.contains(":")));
        return new CniResult(raw, ips);
    }

    private static String stripPrefix(String cidr) {
        int slash = cidr.indexOf('/');
        return slash < 0 ? cidr : cidr.substring(0, slash);
    }
}
