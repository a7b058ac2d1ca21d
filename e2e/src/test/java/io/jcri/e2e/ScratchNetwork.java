package io.jcri.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A CNI network of a test's own: its conf dir, its bridge and subnet, its IPAM directory, so what a test counts
 * is not disturbed by other daemons on the machine. {@link #close} deletes the bridge and IPAM state.
 */
final class ScratchNetwork implements AutoCloseable {
    private final Path dir;
    private final Path confDir;
    private final Path binDir;
    private final String name;
    private final String bridge;
    private final String subnetPrefix;

    /** A bridge network {@code name} on {@code 10.<octet>.0.0/24} with portmap and loopback. */
    ScratchNetwork(Path dir, String name, int octet) throws IOException {
        this.dir = dir;
        this.confDir = Files.createDirectories(dir.resolve("net.d"));
        this.binDir = Files.createDirectories(dir.resolve("cni-bin"));
        this.name = name;
        this.bridge = name.length() > 15 ? name.substring(0, 15) : name;
        this.subnetPrefix = "10." + octet + ".0.";
        writeConflist("10-" + name + ".conflist", """
                {"cniVersion":"1.0.0","name":"%s","plugins":[
                 {"type":"bridge","bridge":"%s","isGateway":true,"ipMasq":true,"hairpinMode":true,
                  "ipam":{"type":"host-local","ranges":[[{"subnet":"10.%d.0.0/24","gateway":"10.%d.0.1"}]],
                          "routes":[{"dst":"0.0.0.0/0"}]}},
                 {"type":"portmap","capabilities":{"portMappings":true}},
                 {"type":"loopback"}]}
                """.formatted(name, bridge, octet, octet));
    }

    void writeConflist(String file, String json) throws IOException {
        Files.writeString(confDir.resolve(file), json);
    }

    /** Adds a plugin script to this network's own bin dir (searched before the system's). */
    void addPlugin(String type, String script) throws IOException {
        Path p = binDir.resolve(type);
        Files.writeString(p, "#!/bin/sh\n" + script);
        p.toFile().setExecutable(true);
    }

    /** The [cni] section pointing a daemon at this network. */
    String toml(int pluginTimeoutSeconds) {
        return """
                [cni]
                conf_dir = "%s"
                bin_dirs = ["%s", "/usr/lib/cni", "/opt/cni/bin"]
                plugin_timeout_seconds = %d
                """.formatted(confDir, binDir, pluginTimeoutSeconds);
    }

    String name() {
        return name;
    }

    String bridge() {
        return bridge;
    }

    /** The first three octets of the subnet with a trailing dot, e.g. {@code 10.92.0.}. */
    String subnetPrefix() {
        return subnetPrefix;
    }

    Path ipamDir() {
        return Path.of("/var/lib/cni/networks", name);
    }

    @Override
    public void close() throws Exception {
        Pods.exec(10, "ip", "link", "del", bridge);
        for (Path tree : new Path[] {ipamDir(), dir}) {
            if (Files.exists(tree)) {
                try (Stream<Path> s = Files.walk(tree)) {
                    s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }
}
