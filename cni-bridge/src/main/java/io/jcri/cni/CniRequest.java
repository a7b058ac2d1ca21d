package io.jcri.cni;

import java.util.Map;

/**
 * What one attachment of a container to the network is about.
 *
 * @param containerId    the sandbox id (CNI_CONTAINERID)
 * @param netnsPath      the network namespace to configure (CNI_NETNS)
 * @param ifName         the interface to create in it (CNI_IFNAME), normally eth0
 * @param args           CNI_ARGS pairs, e.g. K8S_POD_NAME; IgnoreUnknown=1 is always added
 * @param capabilityArgs runtimeConfig values by capability name (portMappings, bandwidth, dns, ipRanges); each
 *                       reaches only the plugins that declare the capability
 */
public record CniRequest(String containerId, String netnsPath, String ifName, Map<String, String> args,
                         Map<String, Object> capabilityArgs) {
    public CniRequest {
        args = Map.copyOf(args);
        capabilityArgs = Map.copyOf(capabilityArgs);
    }
}
