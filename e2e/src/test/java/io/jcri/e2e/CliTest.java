package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code jcri} client verbs as a user runs them: every verb over the socket and over TCP with mutual TLS,
 * the environment defaults, JSON output, and errors that say what failed.
 */
class CliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path certDir;
    private static Certificates ca;
    private static Certificates.Issued client;
    private static FixtureDaemon fixture;
    private static SampleWorkload work;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(JcriProcess.isRoot(), "e2e tests need root: skipped");
        certDir = Files.createTempDirectory("jcri-cli-certs-");
        ca = Certificates.authority(certDir, "ca");
        client = ca.client("cli-user");
        port = RemoteAccessTest.freePort();
        fixture = FixtureDaemon.start(RemoteAccessTest.remoteToml(port, ca.server("jcri-server"), ca.cert(), ""));
        work = SampleWorkload.start(fixture, "cli");
    }

    @AfterAll
    static void stop() throws Exception {
        SampleWorkload.close(fixture, "CliTest");
    }

    record Result(int exit, String out, String err) {
    }

    static Result jcri(Map<String, String> env, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(JcriProcess.repoRoot().resolve("bin/jcri").toString()));
        cmd.addAll(args);
        Path out = Files.createTempFile("jcri-cli-", ".out");
        Path err = Files.createTempFile("jcri-cli-", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().remove("JCRI_HOST");
            pb.environment().remove("JCRI_TLS_DIR");
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(cmd + " did not finish in 60s");
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** {@code jcri <connection flags for transport> args...}, which must succeed. */
    static String ok(String transport, String... args) throws Exception {
        List<String> all = new ArrayList<>(connection(transport));
        all.addAll(List.of(args));
        Result r = jcri(Map.of(), all);
        assertThat(r.exit()).as(all + "\n" + r.out() + r.err()).isZero();
        return r.out();
    }

    static List<String> connection(String transport) {
        return transport.equals("unix") ? List.of("-H", fixture.jcri().endpoint())
                : List.of("-H", "tcp://127.0.0.1:" + port, "--tlscacert", ca.cert().toString(),
                "--tlscert", client.cert().toString(), "--tlskey", client.key().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"unix", "tcp"})
    void versionAndInfoDescribeClientAndDaemon(String transport) throws Exception {
        assertThat(ok(transport, "version")).contains("Client: jcri ", "Server: jcri ");
        String info = ok(transport, "info");
        assertThat(info).contains("Runtime:    jcri", "runc", "crun", "RuntimeReady", "NetworkReady");
        JsonNode json = JSON.readTree(ok(transport, "info", "--json"));
        assertThat(json.path("version").path("runtimeName").asText()).isEqualTo("jcri");
    }

    @ParameterizedTest
    @ValueSource(strings = {"unix", "tcp"})
    void psPodsImagesAndStatsListTheWorkload(String transport) throws Exception {
        String shortId = work.containerId().substring(0, 13);
        assertThat(ok(transport, "ps")).contains(shortId, work.containerName(), "RUNNING",
                work.podId().substring(0, 13));
        assertThat(ok(transport, "ps", "-a")).contains(shortId);
        JsonNode ps = JSON.readTree(ok(transport, "ps", "--json"));
        assertThat(ps.path("containers").findValuesAsText("id")).contains(work.containerId());
        assertThat(ok(transport, "pods")).contains(work.podId().substring(0, 13), work.podName(), "READY", "e2e");
        assertThat(ok(transport, "images")).contains("fixtures.jcri.test/e2e/cli", "   1   ");
        assertThat(ok(transport, "stats")).contains(shortId, work.containerName());
        assertThat(JSON.readTree(ok(transport, "stats", "--json")).path("stats").isArray()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"unix", "tcp"})
    void inspectFindsContainersPodsAndImages(String transport) throws Exception {
        JsonNode c = JSON.readTree(ok(transport, "inspect", work.containerId().substring(0, 12)));
        assertThat(c.path("kind").asText()).isEqualTo("container");
        assertThat(c.path("status").path("id").asText()).isEqualTo(work.containerId());
        assertThat(c.path("info").path("info").path("pid").asLong()).isPositive();
        JsonNode p = JSON.readTree(ok(transport, "inspect", work.podId()));
        assertThat(p.path("kind").asText()).isEqualTo("pod");
        JsonNode i = JSON.readTree(ok(transport, "inspect", work.image()));
        assertThat(i.path("kind").asText()).isEqualTo("image");
        assertThat(i.path("status").path("repoTags").toString()).contains(work.image());
    }

    @ParameterizedTest
    @ValueSource(strings = {"unix", "tcp"})
    void logsSplitsStdoutAndStderr(String transport) throws Exception {
        List<String> args = new ArrayList<>(connection(transport));
        args.addAll(List.of("logs", work.containerId()));
        Result r = jcri(Map.of(), args);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(SampleWorkload.OUT_LINE + "\n");
        assertThat(r.err()).isEqualTo(SampleWorkload.ERR_LINE + "\n");
        JsonNode line = JSON.readTree(ok(transport, "logs", "--json", "--tail-bytes", "200", work.containerId())
                .lines().toList().getLast());
        assertThat(line.path("stream").asText()).isEqualTo("stderr");
        assertThat(line.path("log").asText()).isEqualTo(SampleWorkload.ERR_LINE);
    }

    @Test
    void theEnvironmentGivesTheDefaults() throws Exception {
        Result r = jcri(Map.of("JCRI_HOST", "tcp://127.0.0.1:" + port, "JCRI_TLS_DIR", ca.tlsDir(client).toString()),
                List.of("ps"));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains(work.containerName());
        r = jcri(Map.of("JCRI_HOST", fixture.jcri().endpoint()), List.of("pods"));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains(work.podName());
    }

    @Test
    void errorsSayWhatFailedAndWhatToDo() throws Exception {
        List<String> unknown = new ArrayList<>(connection("unix"));
        unknown.addAll(List.of("inspect", "nosuchthing"));
        Result r = jcri(Map.of(), unknown);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("no container, pod or image 'nosuchthing'", "jcri ps -a");

        unknown = new ArrayList<>(connection("tcp"));
        unknown.addAll(List.of("logs", "0123456789ab"));
        r = jcri(Map.of(), unknown);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("0123456789ab");

        r = jcri(Map.of(), List.of("-H", "unix://" + fixture.jcri().dir().resolve("none.sock"), "ps"));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("cannot reach", "is jcri running");

        r = jcri(Map.of(), List.of("-H", "tcp://127.0.0.1:" + RemoteAccessTest.freePort(), "--tlscacert",
                ca.cert().toString(), "--tlscert", client.cert().toString(), "--tlskey", client.key().toString(),
                "version"));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("Client: jcri");
        assertThat(r.err()).contains("cannot reach");

        Certificates other = Certificates.authority(certDir, "other-ca");
        Certificates.Issued stranger = other.client("cli-user");
        r = jcri(Map.of(), List.of("-H", "tcp://127.0.0.1:" + port, "--tlscacert", ca.cert().toString(),
                "--tlscert", stranger.cert().toString(), "--tlskey", stranger.key().toString(), "ps"));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("TLS handshake", "remote.client_ca_file");

        r = jcri(Map.of(), List.of("-H", "tcp://127.0.0.1:" + port, "ps"));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("needs TLS", "JCRI_TLS_DIR");
    }
}
