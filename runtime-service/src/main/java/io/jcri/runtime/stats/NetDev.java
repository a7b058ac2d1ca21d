package io.jcri.runtime.stats;

import io.jcri.oci.ns.NamespaceThread;
import io.jcri.oci.ns.NsType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The interface counters of a network namespace, as {@code /proc/net/dev} shows them. */
final class NetDev {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** One interface's receive and transmit counters. */
    record Interface(String name, long rxBytes, long rxErrors, long txBytes, long txErrors) {
    }

    private NetDev() {
    }

    /**
     * The counters of every interface but loopback in the namespace pinned at {@code netns}. The read happens on
     * a throwaway platform thread that entered the namespace: {@code /proc/thread-self/net} shows the namespace of
     * the reading thread, and no shared thread may ever change namespaces.
     */
    static List<Interface> read(Path netns) {
        return NamespaceThread.call("netdev", TIMEOUT, () -> {
            NamespaceThread.enter(Map.of(NsType.NET, netns));
            try (InputStream in = Files.newInputStream(Path.of("/proc/thread-self/net/dev"))) {
                return parse(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
            }
        });
    }

    /** Parses /proc/net/dev: two header lines, then {@code name: 8 receive counters, 8 transmit counters}. */
    static List<Interface> parse(String text) throws IOException {
        List<Interface> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).strip();
            String[] f = line.substring(colon + 1).strip().split("\\s+");
            if (f.length < 16) {
                throw new IOException("unexpected /proc/net/dev line: " + line);
            }
            if (!name.equals("lo")) {
                out.add(new Interface(name, Long.parseLong(f[0]), Long.parseLong(f[2]), Long.parseLong(f[8]),
                        Long.parseLong(f[10])));
            }
        }
        return out;
    }
}
