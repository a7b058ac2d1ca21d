package io.jcri.e2e.bench;

import io.jcri.cri.CriClients;
import io.jcri.cri.v1.VersionRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Debian's containerd, started by the harness as the peer to measure: its own root, state and socket under a
 * scratch directory, the same CNI configuration and runc as jcri, the local registry as the only registry, and
 * {@code restrict_oom_score_adj} because root here lacks CAP_SYS_RESOURCE.
 */
final class ContainerdProcess implements AutoCloseable {
    private final Path dir;
    private final Process process;

    private ContainerdProcess(Path dir, Process process) {
        this.dir = dir;
        this.process = process;
    }

    /** The containerd binary, when installed. */
    static Optional<Path> binary() {
        return List.of(Path.of("/usr/bin/containerd"), Path.of("/usr/local/bin/containerd")).stream()
                .filter(Files::isExecutable).findFirst();
    }

    /** Starts containerd pulling everything from {@code registryHost} (plain HTTP), with {@code sandboxImage}. */
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
        Path config = dir.resolve("config.toml");
        Files.writeString(config, """
                version = 2
                root = "%1$s/root"
                state = "%1$s/state"
                [grpc]
                  address = "%1$s/containerd.sock"
                [plugins."io.containerd.grpc.v1.cri"]
                  sandbox_image = "%2$s"
                  restrict_oom_score_adj = true
                  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                    runtime_type = "io.containerd.runc.v2"
                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                      SystemdCgroup = false
                  [plugins."io.containerd.grpc.v1.cri".cni]
                    bin_dir = "/usr/lib/cni"
                    conf_dir = "/etc/cni/net.d"
                  [plugins."io.containerd.grpc.v1.cri".registry]
                    config_path = "%3$s"
                """.formatted(dir, sandboxImage, hosts));
        Process p = new ProcessBuilder(binary.toString(), "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("containerd.log").toFile()).start();
        ContainerdProcess c = new ContainerdProcess(dir, p);
        c.awaitReady();
        return c;
    }

    long pid() {
        return process.pid();
    }

    String scratchDir() {
        return dir.toString();
    }

    String endpoint() {
        return "unix://" + dir.resolve("containerd.sock");
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
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        // shims outlive containerd by design; the harness removed every pod, so none should be left
        new ProcessBuilder("umount", "-R", dir.resolve("root").toString()).start().waitFor(30, TimeUnit.SECONDS);
        new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor(60, TimeUnit.SECONDS);
    }
}
