package io.jcri.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.cri.v1.VersionRequest;
import io.jcri.e2e.ImageBuilder.Compression;
import io.jcri.e2e.ImageBuilder.Format;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One daemon of a recovery, load or hardening test with everything it makes counted apart from other daemons: its
 * own directory, CNI network, cgroup parent, and a busybox image in a local registry. {@link #close} stops the
 * daemon, removes what is left and deletes the network and cgroup parent.
 */
final class CountedDaemon implements AutoCloseable {
    static final String IMAGE = "fixtures.jcri.test/e2e/busybox:recovery";

    private final Path dir;
    private final LocalRegistry registry;
    private final ImageBuilder images;
    private final ImageBuilder.Layer busybox;
    private final Path registriesConf;
    private final ScratchNetwork net;
    private final String cgroupParent;
    private final JcriProcess jcri;

    /** Skips the calling test where a counted daemon cannot run: without root or without docker-registry. */
    static void assumeUsable() {
        assumeTrue(JcriProcess.isRoot(), "e2e tests need root (namespaces, mounts, cgroups): skipped");
        assumeTrue(LocalRegistry.available(), "docker-registry is not installed: skipped");
    }

    /** A rig whose daemon starts with {@code env} (fault points) on network {@code 10.<octet>.0.0/24}. */
    CountedDaemon(String name, int octet, Map<String, String> env) throws Exception {
        this.dir = Files.createTempDirectory("jcri-e2e-" + name + "-");
        this.registry = LocalRegistry.start();
        this.images = new ImageBuilder(registry.host(), null);
        ImageBuilder.Tar tar = ImageBuilder.tar().dir("bin", 0755)
                .file("bin/busybox", 0755, Files.readAllBytes(Path.of("/bin/busybox")));
        for (String applet : List.of("sh", "sleep", "echo", "cat", "ls", "touch", "true")) {
            tar.symlink("bin/" + applet, "busybox");
        }
        this.busybox = tar.dir("tmp", 01777).layer(Compression.GZIP, Format.OCI);
        images.push("e2e/busybox", "recovery", Format.OCI, List.of(busybox), "", List.of("sh"));
        this.registriesConf = dir.resolve("registries.conf");
        Files.writeString(registriesConf, """
                [[registry]]
                prefix = "fixtures.jcri.test"
                location = "%s"
                insecure = true
                """.formatted(registry.host()));
        this.net = new ScratchNetwork(dir, "jcri-e2e-" + name, octet);
        this.cgroupParent = "/jcri-e2e-" + name;
        this.jcri = JcriProcess.start(net.toml(20) + "[runtime]\ncgroup_parent = \"" + cgroupParent + "\"\n"
                + "[image]\nregistries_conf = \"" + registriesConf + "\"\n", env);
    }

    JcriProcess jcri() {
        return jcri;
    }

    ScratchNetwork net() {
        return net;
    }

    /** A client once the daemon answers (it refuses calls with UNAVAILABLE while it recovers). */
    CriClients client() throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            CriClients c = jcri.client();
            try {
                c.runtime().version(VersionRequest.getDefaultInstance());
                return c;
            } catch (StatusRuntimeException e) {
                c.close();
                if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    /** Pushes busybox with {@code extra} on top as {@code e2e/busybox:<tag>}; returns the reference to pull. */
    String push(String tag, ImageBuilder.Layer extra) throws Exception {
        images.push("e2e/busybox", tag, Format.OCI, List.of(busybox, extra), "", List.of("sh"));
        return "fixtures.jcri.test/e2e/busybox:" + tag;
    }

    void pull(CriClients c) {
        c.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(IMAGE)).build());
    }

    /** Everything pods and containers of this daemon leave on the host, as one comparable value. */
    Footprint footprint() throws IOException, InterruptedException {
        return new Footprint(HostFootprint.measure(jcri.dir(), net, cgroupParent), monitors(), entries("run/netns"),
                entries("lib/containers"), entries("lib/sandboxes"), entries("lib/cni/results"));
    }

    /** What a daemon and its pods may leave, beyond {@link HostFootprint}: monitors, pinned netns, state dirs. */
    record Footprint(HostFootprint host, long conmons, long pinnedNetns, long containerDirs, long sandboxDirs,
                     long cniResults) {
    }

    /** conmon processes of this daemon's containers (their command line names the bundle under its directory). */
    private long monitors() throws IOException {
        String bundles = jcri.dir().resolve("lib/containers").toString();
        long n = 0;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmd = Files.readString(p.resolve("cmdline")).replace('\0', ' ');
                    if (cmd.contains("conmon") && cmd.contains(bundles)) {
                        n++;
                    }
                } catch (IOException gone) {
                    // The process ended while being looked at: it is not left over.
                }
            }
        }
        return n;
    }

    private long entries(String sub) throws IOException {
        Path d = jcri.dir().resolve(sub);
        if (!Files.isDirectory(d)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.count();
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (jcri.process().isAlive()) {
                try (CriClients c = client()) {
                    Containers.removeAll(c);
                    Pods.removeAll(c);
                }
            }
        } finally {
            Files.writeString(Path.of("target", dir.getFileName() + "-jcri.log"), jcri.logText());
            for (AutoCloseable c : new AutoCloseable[] {jcri, net, registry}) {
                c.close();
            }
            try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
                for (Path h : hierarchies.toList()) {
                    Pods.exec(10, "rmdir", h + cgroupParent);
                }
            }
        }
    }
}
