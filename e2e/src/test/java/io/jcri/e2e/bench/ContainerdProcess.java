package io.jcri.e2e.bench;

import io.jcri.cri.CriClients;
import io.jcri.cri.v1.VersionRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * containerd 2.x, started by the harness as the peer to measure: its own root, state, socket and network namespace
 * mounts under a scratch directory, the same CNI configuration and runc as jcri, the local registry as the only
 * registry, the harness's pause stand-in as the sandbox image, NRI off (its socket would be the host's), and
 * {@code restrict_oom_score_adj} because root here lacks CAP_SYS_RESOURCE. Its monitors are
 * {@code containerd-shim-runc-v2} processes, one per pod, each with the pod's pause container below it.
 */
final class ContainerdProcess implements BenchDaemon {
    /** Where {@code ../shared/anchors/containerd-from-sid.sh} unpacks containerd 2.x by default. */
    static final Path DEFAULT_BINARY = Path.of("/opt/containerd-2/usr/bin/containerd");

    private final Path binary;
    private final Path dir;
    private Process process;

    private ContainerdProcess(Path binary, Path dir) {
        this.binary = binary;
        this.dir = dir;
    }

    /** The containerd 2.x binary ({@code -Djcri.bench.containerd=PATH}, else the default), when present. */
    static Optional<Path> binary() {
        Path p = Path.of(System.getProperty("jcri.bench.containerd", DEFAULT_BINARY.toString()));
        return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }

    /**
     * Starts containerd pulling everything from {@code registryHost} (plain HTTP), with {@code sandboxImage} as its
     * pause image, and returns once it answers CRI calls.
     */
    static ContainerdProcess start(Path binary, String registryHost, String sandboxImage) throws Exception {
        Path dir = Files.createTempDirectory("jcri-bench-containerd-");
        Path hosts = dir.resolve("certs.d");
        for (String host : List.of(registryHost, "docker.io", "registry.k8s.io", "gcr.io")) {
            Path h = hosts.resolve(host);
            Files.createDirectories(h);
            Files.writeString(h.resolve("hosts.toml"), """
                    server = "http://%s"
                    [host."http://%s"]
                      capabilities = ["pull", "resolve"]
                      skip_verify = true
                    """.formatted(registryHost, registryHost));
        }
        Files.writeString(dir.resolve("config.toml"), """
                version = 3
                root = "%1$s/root"
                state = "%1$s/state"
                [grpc]
                  address = "%1$s/containerd.sock"
                [plugins."io.containerd.nri.v1.nri"]
                  disable = true
                [plugins."io.containerd.internal.v1.opt"]
                  path = "%1$s/opt"
                [plugins."io.containerd.cri.v1.images"]
                  [plugins."io.containerd.cri.v1.images".pinned_images]
                    sandbox = "%2$s"
                  [plugins."io.containerd.cri.v1.images".registry]
                    config_path = "%3$s"
                [plugins."io.containerd.cri.v1.runtime"]
                  restrict_oom_score_adj = true
                  netns_mounts_under_state_dir = true
                  [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
                    runtime_type = "io.containerd.runc.v2"
                    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
                      SystemdCgroup = false
                  [plugins."io.containerd.cri.v1.runtime".cni]
                    bin_dirs = ["/usr/lib/cni"]
                    conf_dir = "/etc/cni/net.d"
                """.formatted(dir, sandboxImage, hosts));
        ContainerdProcess c = new ContainerdProcess(binary, dir);
        c.start();
        c.awaitReady();
        return c;
    }

    @Override
    public String name() {
        return "containerd";
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public String endpoint() {
        return "unix://" + dir.resolve("containerd.sock");
    }

    /** A shim names the daemon's socket, in the scratch directory, as its {@code -address}. */
    @Override
    public boolean isMonitor(String cmdline) {
        return cmdline.matches("^(\\S*/)?containerd-shim\\S* .*") && cmdline.contains(dir + "/");
    }

    /** Starts the daemon process; the shim is found next to it ({@code PATH}). */
    @Override
    public void start() throws Exception {
        Files.deleteIfExists(dir.resolve("containerd.sock"));
        ProcessBuilder pb = new ProcessBuilder(binary.toString(), "--config", dir.resolve("config.toml").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("containerd.log").toFile()));
        pb.environment().put("PATH", binary.getParent() + ":" + pb.environment().getOrDefault("PATH", "/usr/bin"));
        process = pb.start();
    }

    /** SIGTERM; the shims, and so the pods, keep running, as they do when containerd is restarted. */
    @Override
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("containerd exited: " + Files.readString(dir.resolve("containerd.log")));
            }
            if (Files.exists(dir.resolve("containerd.sock"))) {
                try (CriClients c = CriClients.connect(endpoint())) {
                    c.runtime().withDeadlineAfter(2, TimeUnit.SECONDS).version(VersionRequest.getDefaultInstance());
                    return;
                } catch (RuntimeException notYet) {
                    Thread.sleep(200);
                    continue;
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("containerd did not answer CRI calls within 60s");
    }

    @Override
    public void close() throws Exception {
        stop();
        // shims outlive containerd by design; the harness removed every pod, so none should be left
        new ProcessBuilder("umount", "-R", dir.resolve("root").toString()).start().waitFor(30, TimeUnit.SECONDS);
        new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor(60, TimeUnit.SECONDS);
    }
}
