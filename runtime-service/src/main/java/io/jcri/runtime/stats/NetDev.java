package io.jcri.runtime.stats;

import io.jcri.oci.OciException;
import io.jcri.oci.ns.NetnsReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The interface counters of a network namespace, as {@code /proc/net/dev} shows them. */
final class NetDev {
    /** One interface's receive and transmit counters. */
    record Interface(String name, long rxBytes, long rxPackets, long rxErrors, long rxDropped, long txBytes,
                     long txPackets, long txErrors, long txDropped) {
    }

    private NetDev() {
    }

    /**
     * The counters of every interface but loopback in the namespace pinned at {@code netns}, read by
     * {@code reader}'s thread from inside it: {@code /proc/thread-self/net} shows the namespace of the reading
     * thread, and no shared thread may ever change namespaces.
     */
    static List<Interface> read(NetnsReader reader, Path netns) {
        return reader.read(netns, ns -> {
            try (InputStream in = Files.newInputStream(Path.of("/proc/thread-self/net/dev"))) {
                return parse(new String(in.readNBytes(1 << 20), StandardCharsets.US_ASCII));
            } catch (IOException e) {
                throw new OciException("reading the interface counters of " + ns + ": " + e.getMessage(), e);
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
                out.add(new Interface(name, Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]),
                        Long.parseLong(f[3]), Long.parseLong(f[8]), Long.parseLong(f[9]), Long.parseLong(f[10]),
                        Long.parseLong(f[11])));
            }
        }
        return out;
    }
}
