package io.jcri.image.registry;

import java.util.regex.Pattern;

/**
 * Whether a registry host names this machine's loopback interface by its literal spelling ({@code localhost},
 * 127.0.0.0/8, {@code ::1}), without any name lookup. Docker and containerd reach such registries over plain HTTP
 * when HTTPS fails, with no configuration.
 */
final class Loopback {
    private static final Pattern IPV4 = Pattern.compile("127(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}");

    private Loopback() {
    }

    /** @param hostPort {@code host[:port]}, IPv6 literals in brackets */
    static boolean is(String hostPort) {
        String host = hostPort;
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            host = end < 0 ? host : host.substring(1, end);
            return host.equals("::1") || host.equalsIgnoreCase("0:0:0:0:0:0:0:1");
        }
        int colon = host.indexOf(':');
        host = colon < 0 ? host : host.substring(0, colon);
        return host.equalsIgnoreCase("localhost") || IPV4.matcher(host).matches();
    }
}
