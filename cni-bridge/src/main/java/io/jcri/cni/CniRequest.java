package io.jcri.cni;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import java.util.Map;
import java.util.regex.Pattern;

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
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_]{1,64}");
    private static final int SHOWN = 64;

    public CniRequest {
        args = Map.copyOf(args);
        capabilityArgs = Map.copyOf(capabilityArgs);
        checkArgs(args);
    }

    /**
     * Refuses with INVALID_ARGUMENT CNI_ARGS that cannot reach plugins as they are. CNI_ARGS is
     * {@code K=V;K=V} with no escaping, so a value holding {@code ;} or {@code =} would add pairs of its own or
     * break the list (a pod named {@code x;IgnoreUnknown=false}), and an environment value holds no NUL; the
     * values (pod name, namespace, uid) come from the CRI client.
     */
    public static void checkArgs(Map<String, String> args) {
        args.forEach((key, value) -> {
            if (!KEY.matcher(key).matches()) {
                throw new CriException(ErrorKind.INVALID_ARGUMENT, "CNI_ARGS key '" + shown(key)
                        + "' is not a name of letters, digits and '_'");
            }
            if (value.chars().anyMatch(c -> c == ';' || c == '=' || c < ' ' || c == 0x7f)) {
                throw new CriException(ErrorKind.INVALID_ARGUMENT, "CNI_ARGS value " + key + "='" + shown(value)
                        + "' holds ';', '=' or a control character, which CNI_ARGS cannot carry");
            }
        });
    }

    private static String shown(String s) {
        return (s.length() > SHOWN ? s.substring(0, SHOWN) + "..." : s).replaceAll("\\p{Cntrl}", "?");
    }
}
