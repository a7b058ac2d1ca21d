package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.AttachRequest;
import io.jcri.cri.v1.ExecRequest;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PortForwardRequest;
import io.jcri.server.streaming.SpdyTestClient;
import io.jcri.server.streaming.WebSocketTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Exec, attach and port-forward through a real jcri, spoken as kubelet and crictl speak them: SPDY/3.1 with
 * client-opened streams and WebSocket channels, against busybox containers in one pod.
 */
class StreamingTest {
    private static final String IMAGE = "fixtures.jcri.test/e2e/stream-busybox:1";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final List<String> V4 = List.of("v4.channel.k8s.io");

    private static FixtureDaemon fixture;
    private static JcriProcess jcri;
    private static CriClients cri;
    private static PodSandboxConfig podConfig;
    private static String pod;
    private static String shell;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(JcriProcess.isRoot(), "e2e streaming tests need root: skipped");
        assumeTrue(LocalRegistry.available(), "docker-registry is not installed: skipped");
        fixture = FixtureDaemon.start("");
        jcri = fixture.jcri();
        cri = fixture.cri();
        fixture.pushAndPull("e2e/stream-busybox", "",
                ImageBuilder.busyboxLayer(ImageBuilder.Compression.GZIP, ImageBuilder.Format.OCI));
        podConfig = Pods.config("streaming").setLogDirectory(jcri.dir().resolve("logs").toString()).build();
        pod = Pods.run(cri, podConfig);
        shell = Containers.run(cri, pod, podConfig, Containers.config("shell", IMAGE, "/bin/busybox", "sh", "-c",
                "echo started; while read line; do echo got:$line; done").setStdin(true));
    }

    @AfterAll
    static void stop() throws Exception {
        if (fixture != null) {
            Containers.removeAll(cri);
            Pods.removeAll(cri);
            fixture.keepLog("StreamingTest");
            fixture.close();
        }
    }

    private static String execUrl(boolean stdin, boolean tty, String... cmd) {
        return cri.runtime().exec(ExecRequest.newBuilder().setContainerId(shell).addAllCmd(List.of(cmd))
                .setStdin(stdin).setStdout(true).setStderr(!tty).setTty(tty).build()).getUrl();
    }

    private static SpdyTestClient.Stream stream(SpdyTestClient c, String type) {
        return c.openStream(Map.of("streamtype", type));
    }

    @Test
    void spdyExecOfEchoSucceeds() throws Exception {
        try (SpdyTestClient c = SpdyTestClient.connect(execUrl(false, false, "/bin/busybox", "echo", "hello"), V4)) {
            SpdyTestClient.Stream error = stream(c, "error");
            SpdyTestClient.Stream out = stream(c, "stdout");
            stream(c, "stderr");
            assertThat(out.awaitText(WAIT)).isEqualTo("hello\n");
            assertThat(error.awaitText(WAIT)).contains("\"status\":\"Success\"");
        }
    }

    @Test
    void spdyExecReportsExitCodeSeven() throws Exception {
        try (SpdyTestClient c = SpdyTestClient.connect(execUrl(false, false, "/bin/busybox", "sh", "-c", "exit 7"),
                V4)) {
            SpdyTestClient.Stream error = stream(c, "error");
            stream(c, "stdout");
            stream(c, "stderr");
            assertThat(error.awaitText(WAIT)).contains("\"reason\":\"NonZeroExitCode\"")
                    .contains("{\"reason\":\"ExitCode\",\"message\":\"7\"}");
        }
    }

    @Test
    void spdyStdinRoundTripsThroughCat() throws Exception {
        try (SpdyTestClient c = SpdyTestClient.connect(execUrl(true, false, "/bin/busybox", "cat"), V4)) {
            SpdyTestClient.Stream error = stream(c, "error");
            SpdyTestClient.Stream in = stream(c, "stdin");
            SpdyTestClient.Stream out = stream(c, "stdout");
            stream(c, "stderr");
            in.write("line one\nline two\n");
            in.finish();
            assertThat(out.awaitText(WAIT)).isEqualTo("line one\nline two\n");
            assertThat(error.awaitText(WAIT)).contains("Success");
        }
    }

    @Test
    void ttyReportsItsSizeAfterAResize() throws Exception {
        try (SpdyTestClient c = SpdyTestClient.connect(execUrl(true, true, "/bin/busybox", "sh", "-c",
                "read go; /bin/busybox stty size"), V4)) {
            SpdyTestClient.Stream error = stream(c, "error");
            SpdyTestClient.Stream in = stream(c, "stdin");
            SpdyTestClient.Stream out = stream(c, "stdout");
            SpdyTestClient.Stream resize = stream(c, "resize");
            resize.write("{\"Width\":111,\"Height\":33}");
            Thread.sleep(500);
            in.write("go\r");
            assertThat(out.awaitText(WAIT)).contains("33 111");
            assertThat(error.awaitText(WAIT)).contains("Success");
        }
    }

    @Test
    void aClientThatLeavesEndsItsExecProcess() throws Exception {
        try (SpdyTestClient c = SpdyTestClient.connect(execUrl(false, false, "/bin/busybox", "sleep", "321"), V4)) {
            stream(c, "error");
            stream(c, "stdout");
            stream(c, "stderr");
            awaitProcesses("sleep 321", true);
        }
        awaitProcesses("sleep 321", false);
    }

    /** Waits until a process whose command line contains {@code command} runs (or no longer runs) in the shell. */
    private static void awaitProcesses(String command, boolean running) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String ps = Containers.exec(cri, shell, 10, "/bin/busybox", "ps").getStdout().toStringUtf8();
        while (ps.contains(command) != running && System.nanoTime() < deadline) {
            Thread.sleep(200);
            ps = Containers.exec(cri, shell, 10, "/bin/busybox", "ps").getStdout().toStringUtf8();
        }
        assertThat(ps.contains(command)).as("'%s' running in:%n%s", command, ps).isEqualTo(running);
    }

    @Test
    void webSocketV5ExecCarriesStdinAndTheExitCode() throws Exception {
        try (WebSocketTestClient c = WebSocketTestClient.connect(
                execUrl(true, false, "/bin/busybox", "sh", "-c", "/bin/busybox cat; exit 7"), "v5.channel.k8s.io")) {
            c.send(0, "over websocket\n");
            c.closeChannel(0);
            c.awaitClosed(WAIT);
            assertThat(c.text(1)).isEqualTo("over websocket\n");
            assertThat(c.text(3)).contains("{\"reason\":\"ExitCode\",\"message\":\"7\"}");
        }
    }

    @Test
    void webSocketV4ExecOfEchoSucceeds() throws Exception {
        try (WebSocketTestClient c = WebSocketTestClient.connect(execUrl(false, false, "/bin/busybox", "echo", "ws"),
                "v4.channel.k8s.io")) {
            c.awaitClosed(WAIT);
            assertThat(c.text(1)).isEqualTo("ws\n");
            assertThat(c.text(3)).contains("Success");
        }
    }

    @Test
    void attachSeesOutputAndFeedsStdin() throws Exception {
        String url = cri.runtime().attach(AttachRequest.newBuilder().setContainerId(shell).setStdin(true)
                .setStdout(true).setStderr(true).build()).getUrl();
        try (SpdyTestClient c = SpdyTestClient.connect(url, V4)) {
            stream(c, "error");
            SpdyTestClient.Stream in = stream(c, "stdin");
            SpdyTestClient.Stream out = stream(c, "stdout");
            stream(c, "stderr");
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!out.text().contains("got:ping") && System.nanoTime() < deadline) {
                in.write("ping\n");
                Thread.sleep(300);
            }
            assertThat(out.text()).contains("got:ping");
        }
        assertThat(Containers.status(cri, shell).getState().name()).isEqualTo("CONTAINER_RUNNING");
    }

    @Test
    void attachToATerminalFollowsResizes() throws Exception {
        String tty = Containers.run(cri, pod, podConfig, Containers.config("tty", IMAGE, "/bin/busybox", "sh")
                .setStdin(true).setTty(true));
        String url = cri.runtime().attach(AttachRequest.newBuilder().setContainerId(tty).setStdin(true)
                .setStdout(true).setTty(true).build()).getUrl();
        try (SpdyTestClient c = SpdyTestClient.connect(url, V4)) {
            stream(c, "error");
            SpdyTestClient.Stream in = stream(c, "stdin");
            SpdyTestClient.Stream out = stream(c, "stdout");
            SpdyTestClient.Stream resize = stream(c, "resize");
            resize.write("{\"Width\":100,\"Height\":50}");
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!out.text().contains("50 100") && System.nanoTime() < deadline) {
                in.write("/bin/busybox stty size\r");
                Thread.sleep(500);
            }
            assertThat(out.text()).contains("50 100");
        }
    }

    @Test
    void portForwardReachesHttpdInThePodOverSpdyAndWebSocket() throws Exception {
        Containers.run(cri, pod, podConfig, Containers.config("httpd", IMAGE, "/bin/busybox", "sh", "-c",
                "/bin/busybox mkdir -p /www && echo hello-from-pod > /www/index.html && "
                        + "exec /bin/busybox httpd -f -p 8080 -h /www"));
        String request = "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n";
        String response = "";
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!response.contains("hello-from-pod") && System.nanoTime() < deadline) {
            String url = cri.runtime().portForward(PortForwardRequest.newBuilder().setPodSandboxId(pod).addPort(8080)
                    .build()).getUrl();
            try (SpdyTestClient c = SpdyTestClient.connect(url, List.of("portforward.k8s.io"))) {
                SpdyTestClient.Stream error = c.openStream(Map.of("streamtype", "error", "port", "8080",
                        "requestid", "0"));
                SpdyTestClient.Stream data = c.openStream(Map.of("streamtype", "data", "port", "8080",
                        "requestid", "0"));
                data.write(request);
                response = data.awaitText(WAIT);
                if (!response.contains("hello-from-pod")) {
                    error.awaitText(WAIT);
                    Thread.sleep(300);
                }
            }
        }
        assertThat(response).startsWith("HTTP/1.").contains("hello-from-pod");
        String url = cri.runtime().portForward(PortForwardRequest.newBuilder().setPodSandboxId(pod).addPort(8080)
                .build()).getUrl();
        try (WebSocketTestClient c = WebSocketTestClient.connect(url, "v4.channel.k8s.io")) {
            c.send(0, request);
            long until = System.nanoTime() + WAIT.toNanos();
            while (!c.latin1(0).contains("hello-from-pod") && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            assertThat(c.latin1(0)).startsWith("\u0090\u001fHTTP/1.").contains("hello-from-pod");
        }
    }

    @Test
    void aTokenIsRefusedTheSecondTime() throws Exception {
        String url = execUrl(false, false, "/bin/busybox", "true");
        try (SpdyTestClient c = SpdyTestClient.connect(url, V4)) {
            assertThat(c.status()).isEqualTo(101);
        }
        HttpResponse<String> again = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).isEqualTo(404);
    }

    @Test
    void streamingRequestsAreValidated() {
        assertThatThrownBy(() -> cri.runtime().exec(ExecRequest.newBuilder().setContainerId("nope").addCmd("true")
                .setStdout(true).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> cri.runtime().exec(ExecRequest.newBuilder().setContainerId(shell).addCmd("true")
                .build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
}
