package io.jcri.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real kubelet in standalone mode (no API server): static pods from a manifest directory of its own, jcri as its
 * runtime and image endpoint, its root, pod log and cgroup directories apart from anything else on the machine,
 * and its read-only API on 127.0.0.1 ({@code /pods}, {@code /stats/summary}). The binary is the one
 * {@code scripts/kubelet.sh} builds from {@code e2e/kubelet/go.mod}, built on first use.
 */
final class KubeletNode implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Path manifests;
    private final Path config;
    private final String baseConfig;
    private final Path log;
    private final String cgroupRoot;
    private final int readOnlyPort;
    private final HttpClient http = HttpClient.newHttpClient();
    private Process process;

    /**
     * A kubelet of {@code endpoint} under {@code dir}, with pods' cgroups under {@code cgroupRoot} and
     * {@code podCidr} handed to the runtime; {@code extraConfig} is more KubeletConfiguration YAML (top-level keys).
     */
    KubeletNode(Path dir, String endpoint, String cgroupRoot, String podCidr, String extraConfig) throws IOException {
        this.dir = dir;
        this.manifests = Files.createDirectories(dir.resolve("manifests"));
        this.config = dir.resolve("kubelet.yaml");
        this.log = dir.resolve("kubelet.log");
        this.cgroupRoot = cgroupRoot;
        this.readOnlyPort = freePort();
        // kubelet refuses a cgroup root that does not exist; it makes kubepods/... below it itself.
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.toList()) {
                Files.createDirectories(h.resolve(cgroupRoot.substring(1)));
            }
        }
        this.baseConfig = """
                apiVersion: kubelet.config.k8s.io/v1beta1
                kind: KubeletConfiguration
                containerRuntimeEndpoint: %1$s
                imageServiceEndpoint: %1$s
                staticPodPath: %2$s
                fileCheckFrequency: 1s
                syncFrequency: 5s
                podLogsDir: %3$s
                cgroupDriver: cgroupfs
                cgroupRoot: %4$s
                failCgroupV1: false
                failSwapOn: false
                podCIDR: %5$s
                address: 127.0.0.1
                port: %6$d
                readOnlyPort: %7$d
                healthzBindAddress: 127.0.0.1
                healthzPort: %8$d
                authentication:
                  anonymous:
                    enabled: true
                  webhook:
                    enabled: false
                authorization:
                  mode: AlwaysAllow
                """.formatted(endpoint, manifests, Files.createDirectories(dir.resolve("pod-logs")), cgroupRoot,
                podCidr, freePort(), readOnlyPort, freePort());
        configure(extraConfig);
    }

    /** Writes the configuration kubelet reads at its next start: the node's own, plus {@code extraConfig}. */
    void configure(String extraConfig) throws IOException {
        Files.writeString(config, baseConfig + extraConfig);
    }

    /** The kubelet binary, built by scripts/kubelet.sh when it is not in the cache yet. */
    static Path binary() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(JcriProcess.repoRoot().resolve("scripts/kubelet.sh").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(40, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("scripts/kubelet.sh failed: " + out);
        }
        return Path.of(out.substring(out.lastIndexOf('\n') + 1));
    }

    /** Starts kubelet (again, after {@link #stop()}) and waits for its read-only API. */
    void start() throws Exception {
        // --cert-dir defaults to /var/lib/kubelet/pki whatever --root-dir says (its self-signed serving cert).
        process = new ProcessBuilder(binary().toString(), "--config=" + config, "--root-dir=" + dir.resolve("root"),
                "--cert-dir=" + dir.resolve("pki"), "--hostname-override=jcri-e2e-node", "--v=2")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            try {
                if (get("/healthz").equals("ok")) {
                    return;
                }
            } catch (IOException notYet) {
                // kubelet opens its ports once its runtime answered.
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("kubelet exited " + process.exitValue() + ": " + logTail());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("kubelet did not answer /healthz in 120s: " + logTail());
            }
            Thread.sleep(200);
        }
    }

    /** Whether kubelet runs (a test waiting on it gives up at once when it died). */
    boolean running() {
        return process != null && process.isAlive();
    }

    /** SIGTERM, as a service manager stops it; the pods it runs stay as they are. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Puts a static pod manifest in place (written aside, then renamed, so kubelet never reads half of it). */
    void addStaticPod(String name, String yaml) throws IOException {
        Path tmp = Files.writeString(manifests.resolve("." + name + ".tmp"), yaml);
        Files.move(tmp, manifests.resolve(name + ".yaml"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    void removeStaticPod(String name) throws IOException {
        Files.delete(manifests.resolve(name + ".yaml"));
    }

    /** kubelet's {@code /pods}: the static pods with the status kubelet keeps for them. */
    JsonNode pods() throws IOException, InterruptedException {
        return JSON.readTree(get("/pods"));
    }

    /** The pod named {@code name} in {@code /pods}, if kubelet has it. */
    Optional<JsonNode> pod(String name) throws IOException, InterruptedException {
        for (JsonNode p : pods().path("items")) {
            if (p.path("metadata").path("name").asText().startsWith(name + "-")) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    JsonNode summary() throws IOException, InterruptedException {
        return JSON.readTree(get("/stats/summary"));
    }

    /** The directory kubelet keeps pods' container logs in ({@code podLogsDir}). */
    Path podLogs() {
        return dir.resolve("pod-logs");
    }

    String cgroupRoot() {
        return cgroupRoot;
    }

    private String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + readOnlyPort
                + path)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(path + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Stops kubelet, keeps its log as {@code target/<name>-kubelet.log}, and removes its directory and the cgroups
     * it made (deepest first; the pods' are gone with the pods).
     */
    @Override
    public void close() throws Exception {
        stop();
        Files.copy(log, Path.of("target", dir.getFileName() + "-kubelet.log"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        // kubelet's volume and pod directories may hold mounts of pods it did not get to tear down.
        Pods.exec(30, "sh", "-c", "grep -o ' " + dir + "[^ ]*' /proc/self/mountinfo | sort -r | xargs -r umount -l");
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.toList()) {
                Path root = h.resolve(cgroupRoot.substring(1));
                if (Files.isDirectory(root)) {
                    try (Stream<Path> s = Files.walk(root)) {
                        s.filter(Files::isDirectory).sorted(Comparator.reverseOrder())
                                .forEach(p -> p.toFile().delete());
                    }
                }
            }
        }
    }
}
