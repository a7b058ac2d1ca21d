package io.jcri.e2e;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's {@code docker-registry} on 127.0.0.1 with a free port and its own storage in a temporary directory,
 * optionally behind htpasswd basic auth. Stopped and deleted on {@link #close()}.
 */
public final class LocalRegistry implements AutoCloseable {
    private static final String BINARY = "/usr/bin/docker-registry";

    private final Path dir;
    private final int port;
    private final Process process;

    private LocalRegistry(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    public static boolean available() {
        return Files.isExecutable(Path.of(BINARY));
    }

    /** An open registry. */
    public static LocalRegistry start() throws Exception {
        return start(null, null);
    }

    /** A registry that wants basic auth as {@code user}/{@code password} (bcrypt via htpasswd). */
    public static LocalRegistry start(String user, String password) throws Exception {
        Path dir = Files.createTempDirectory("jcri-registry-");
        int port = freePort();
        String auth = "";
        if (user != null) {
            Process h = new ProcessBuilder("htpasswd", "-Bbn", user, password).redirectErrorStream(true).start();
            String line = new String(h.getInputStream().readAllBytes()).strip();
            if (!h.waitFor(30, TimeUnit.SECONDS) || h.exitValue() != 0) {
                throw new IllegalStateException("htpasswd failed: " + line);
            }
            Files.writeString(dir.resolve("htpasswd"), line + "\n");
            auth = """
                    auth:
                      htpasswd:
                        realm: jcri-test
                        path: %s
                    """.formatted(dir.resolve("htpasswd"));
        }
        Path config = Files.writeString(dir.resolve("config.yml"), """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:%d
                """.formatted(dir.resolve("storage"), port) + auth);
        Process p = new ProcessBuilder(BINARY, "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("registry.log").toFile()).start();
        LocalRegistry r = new LocalRegistry(dir, port, p);
        r.awaitReady();
        return r;
    }

    /** host:port, as used in image references and registries.conf. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    public URI base() {
        return URI.create("http://" + host() + "/v2/");
    }

    private void awaitReady() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                int status = http.send(HttpRequest.newBuilder(base()).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status == 200 || status == 401) {
                    return;
                }
            } catch (IOException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    close();
                    throw new IllegalStateException("docker-registry did not start: "
                            + Files.readString(dir.resolve("registry.log")), e);
                }
            }
            Thread.sleep(100);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
