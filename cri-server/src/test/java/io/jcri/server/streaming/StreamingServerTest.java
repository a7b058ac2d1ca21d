package io.jcri.server.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.AttachRequest;
import io.jcri.cri.v1.ExecRequest;
import io.jcri.cri.v1.PortForwardRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StreamingServerTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final List<String> V4 = List.of("v4.channel.k8s.io", "v3.channel.k8s.io");

    private final ProcessBackend backend = new ProcessBackend();
    private StreamingServer server;

    @BeforeEach
    void start() throws Exception {
        server = new StreamingServer(backend, limits(Duration.ofHours(4)), null, Clock.systemUTC());
        server.start("127.0.0.1", 0);
    }

    /** The limits a daemon has by default, with {@code idle} as the idle timeout. */
    static StreamingServer.Limits limits(Duration idle) {
        return new StreamingServer.Limits(idle, Duration.ofSeconds(30), 256);
    }

    @AfterEach
    void stop() {
        server.close();
        backend.processes.forEach(Process::destroyForcibly);
    }

    private String execUrl(boolean stdin, boolean tty, String... cmd) {
        return server.exec(ExecRequest.newBuilder().setContainerId("c1").addAllCmd(List.of(cmd))
                .setStdin(stdin).setStdout(true).setStderr(!tty).setTty(tty).build()).getUrl();
    }

    private static SpdyTestClient.Stream stream(SpdyTestClient c, String type) {
        return c.openStream(Map.of("streamtype", type));
    }

    @Test
    void spdyExecReportsSuccessAndOutput() throws Exception {
        try (SpdyTestClient c = SpdyTestClient.connect(execUrl(false, false, "echo", "hello"), V4)) {
            assertThat(c.status()).isEqualTo(101);
            assertThat(c.protocol()).isEqualTo("v4.channel.k8s.io");
            SpdyTestClient.Stream error = stream(c, "error");
            SpdyTestClient.Stream out = stream(c, "stdout");
            SpdyTestClient.Stream err = stream(c, "stderr");
            assertThat(out.awaitText(WAIT)).isEqualTo("hello\n");
            assertThat(err.awaitText(WAIT)).isEmpty();
            assertThat(error.awaitText(WAIT)).contains("\"status\":\"Success\"");
            c.awaitClosed(WAIT);
        }
    }

    @Test
    void spdyExecCarriesTheExitCodeInTheStatus() throws Exception {
        try (SpdyTestClient c = SpdyTestClient.connect(execUrl(false, false, "sh", "-c", "echo oops >&2; exit 7"),
                V4)) {
            SpdyTestClient.Stream error = stream(c, "error");
            stream(c, "stdout");
            SpdyTestClient.Stream err = stream(c, "stderr");
            assertThat(err.awaitText(WAIT)).isEqualTo("oops\n");
            assertThat(error.awaitText(WAIT)).contains("\"reason\":\"NonZeroExitCode\"")
                    .contains("{\"reason\":\"ExitCode\",\"message\":\"7\"}");
        }
    }

    @Test
    void preV4ClientsGetABareMessage() throws Exception {
        try (SpdyTestClient c = SpdyTestClient.connect(execUrl(false, false, "sh", "-c", "exit 3"), List.of())) {
            assertThat(c.status()).isEqualTo(101);
            SpdyTestClient.Stream error = stream(c, "error");
            stream(c, "stdout");
            stream(c, "stderr");
            assertThat(error.awaitText(WAIT)).isEqualTo(
                    "command terminated with non-zero exit code: exit status 3");
        }
    }

    @Test
    void stdinRoundTripsThroughCat() throws Exception {
        try (SpdyTestClient c = SpdyTestClient.connect(execUrl(true, false, "cat"), V4)) {
            SpdyTestClient.Stream error = stream(c, "error");
            SpdyTestClient.Stream in = stream(c, "stdin");
            SpdyTestClient.Stream out = stream(c, "stdout");
            stream(c, "stderr");
            in.write("ping\n");
            in.write("pong\n");
            in.finish();
            assertThat(out.awaitText(WAIT)).isEqualTo("ping\npong\n");
            assertThat(error.awaitText(WAIT)).contains("Success");
        }
    }

    @Test
    void resizeMessagesReachTheSession() throws Exception {
        try (SpdyTestClient c = SpdyTestClient.connect(execUrl(true, true, "cat"), V4)) {
            stream(c, "error");
            SpdyTestClient.Stream in = stream(c, "stdin");
            SpdyTestClient.Stream out = stream(c, "stdout");
            SpdyTestClient.Stream resize = stream(c, "resize");
            resize.write("{\"Width\":100,\"He");
            resize.write("ight\":30}{\"Width\":80,\"Height\":24}");
            // Sizes sent before the session opened collapse into the latest one; wait for it before ending the
            // session, as a resize after the end has nowhere to go.
            backend.awaitResize("80x24", WAIT);
            in.write("x\n");
            in.finish();
            assertThat(out.awaitText(WAIT)).isEqualTo("x\n");
            assertThat(backend.resizes).endsWith("80x24").isSubsetOf("100x30", "80x24");
        }
    }

    @Test
    void aClientThatLeavesEndsTheProcess() throws Exception {
        try (SpdyTestClient c = SpdyTestClient.connect(execUrl(false, false, "sleep", "60"), V4)) {
            stream(c, "error");
            stream(c, "stdout");
            stream(c, "stderr");
            backend.firstProcess.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        }
        Process p = backend.processes.getFirst();
        assertThat(p.waitFor(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void anIdleConnectionIsClosedAndItsProcessEnded() throws Exception {
        try (StreamingServer quick = new StreamingServer(backend, limits(Duration.ofSeconds(1)), null,
                Clock.systemUTC())) {
            quick.start("127.0.0.1", 0);
            String url = quick.exec(ExecRequest.newBuilder().setContainerId("c1").addCmd("sleep").addCmd("60")
                    .setStdout(true).build()).getUrl();
            try (SpdyTestClient c = SpdyTestClient.connect(url, V4)) {
                stream(c, "error");
                stream(c, "stdout");
                c.awaitClosed(WAIT);
            }
            assertThat(backend.processes.getFirst().waitFor(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
                    .isTrue();
        }
    }

    @Test
    void aConnectionThatSendsNoRequestIsClosedAtTheRequestTimeout() throws Exception {
        try (StreamingServer quick = new StreamingServer(backend,
                new StreamingServer.Limits(Duration.ofHours(4), Duration.ofMillis(300), 256), null,
                Clock.systemUTC())) {
            quick.start("127.0.0.1", 0);
            URI base = URI.create(quick.baseUrl());
            try (Socket silent = new Socket(base.getHost(), base.getPort())) {
                // A read that outlasts the wait fails; the request timeout is 300 ms, the wait 10 s.
                silent.setSoTimeout((int) WAIT.toMillis());
                assertThat(silent.getInputStream().read()).isEqualTo(-1);
            }
        }
    }

    @Test
    void connectionsBeyondTheBoundAreClosedAtOnce() throws Exception {
        try (StreamingServer small = new StreamingServer(backend,
                new StreamingServer.Limits(Duration.ofHours(4), Duration.ofMinutes(1), 2), null,
                Clock.systemUTC())) {
            small.start("127.0.0.1", 0);
            URI base = URI.create(small.baseUrl());
            try (Socket a = new Socket(base.getHost(), base.getPort());
                 Socket b = new Socket(base.getHost(), base.getPort())) {
                awaitOpen(small, 2);
                try (Socket refused = new Socket(base.getHost(), base.getPort())) {
                    refused.setSoTimeout((int) WAIT.toMillis());
                    assertThat(refused.getInputStream().read()).isEqualTo(-1);
                }
                assertThat(small.refusedConnections()).isEqualTo(1);
                a.close();
                awaitOpen(small, 1);
                try (Socket admitted = new Socket(base.getHost(), base.getPort())) {
                    admitted.setSoTimeout(300);
                    assertThatThrownBy(() -> admitted.getInputStream().read())
                            .isInstanceOf(SocketTimeoutException.class);
                }
            }
        }
    }

    /** Waits until the server counts {@code n} connections (the count has no event to wait on). */
    private static void awaitOpen(StreamingServer s, int n) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (s.openConnections() != n && System.nanoTime() < deadline) {
            Thread.yield();
        }
        assertThat(s.openConnections()).isEqualTo(n);
    }

    @Test
    void aTokenWorksOnce() throws Exception {
        String url = execUrl(false, false, "true");
        try (SpdyTestClient c = SpdyTestClient.connect(url, V4)) {
            assertThat(c.status()).isEqualTo(101);
        }
        try (SpdyTestClient again = SpdyTestClient.connect(url, V4)) {
            assertThat(again.status()).isEqualTo(404);
        }
        try (SpdyTestClient unknown = SpdyTestClient.connect(server.baseUrl() + "/exec/nope", V4)) {
            assertThat(unknown.status()).isEqualTo(404);
        }
    }

    @Test
    void anUnknownProtocolIsRefused() throws Exception {
        try (SpdyTestClient c = SpdyTestClient.connect(execUrl(false, false, "true"), List.of("v9.channel.k8s.io"))) {
            assertThat(c.status()).isEqualTo(403);
            assertThat(c.body()).contains("unable to negotiate protocol");
        }
    }

    @Test
    void attachStreamsTheContainerOutput() throws Exception {
        String url = server.attach(AttachRequest.newBuilder().setContainerId("c1").setStdout(true).build()).getUrl();
        assertThat(url).contains("/attach/");
        try (SpdyTestClient c = SpdyTestClient.connect(url, V4)) {
            SpdyTestClient.Stream error = stream(c, "error");
            SpdyTestClient.Stream out = stream(c, "stdout");
            assertThat(out.awaitText(WAIT)).isEqualTo("attached\n");
            assertThat(error.awaitText(WAIT)).contains("Success");
        }
    }

    @Test
    void webSocketV5ClosesStdinWithTheCloseSignal() throws Exception {
        try (WebSocketTestClient c = WebSocketTestClient.connect(execUrl(true, false, "cat"), "v5.channel.k8s.io")) {
            assertThat(c.subprotocol()).isEqualTo("v5.channel.k8s.io");
            c.send(0, "round trip\n");
            c.closeChannel(0);
            c.awaitClosed(WAIT);
            assertThat(c.text(1)).isEqualTo("round trip\n");
            assertThat(c.text(3)).contains("Success");
        }
    }

    @Test
    void webSocketBase64CarriesTheExitCode() throws Exception {
        try (WebSocketTestClient c = WebSocketTestClient.connect(
                execUrl(false, false, "sh", "-c", "echo out; exit 7"), "v4.base64.channel.k8s.io")) {
            c.awaitClosed(WAIT);
            assertThat(c.text(1)).isEqualTo("out\n");
            assertThat(c.text(3)).contains("{\"reason\":\"ExitCode\",\"message\":\"7\"}");
        }
    }

    /** A loopback server that echoes one connection. */
    private static ServerSocket echoServer() throws IOException {
        ServerSocket echo = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            try (Socket s = echo.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return echo;
    }

    @Test
    void portForwardPairsErrorAndDataStreams() throws Exception {
        try (ServerSocket echo = echoServer()) {
            String url = server.portForward(PortForwardRequest.newBuilder().setPodSandboxId("p1")
                    .addPort(echo.getLocalPort()).build()).getUrl();
            try (SpdyTestClient c = SpdyTestClient.connect(url, List.of("portforward.k8s.io"))) {
                assertThat(c.protocol()).isEqualTo("portforward.k8s.io");
                String port = Integer.toString(echo.getLocalPort());
                SpdyTestClient.Stream error = c.openStream(Map.of("streamtype", "error", "port", port,
                        "requestid", "0"));
                SpdyTestClient.Stream data = c.openStream(Map.of("streamtype", "data", "port", port,
                        "requestid", "0"));
                data.write("echoed");
                data.finish();
                assertThat(data.awaitText(WAIT)).isEqualTo("echoed");
                assertThat(error.awaitText(WAIT)).isEmpty();
            }
        }
    }

    @Test
    void portForwardOverWebSocketAnnouncesThePortAndEchoes() throws Exception {
        try (ServerSocket echo = echoServer()) {
            int port = echo.getLocalPort();
            String url = server.portForward(PortForwardRequest.newBuilder().setPodSandboxId("p1").addPort(port)
                    .build()).getUrl();
            try (WebSocketTestClient c = WebSocketTestClient.connect(url, "v4.channel.k8s.io")) {
                String announced = new String(new byte[] {(byte) port, (byte) (port >> 8)},
                        java.nio.charset.StandardCharsets.ISO_8859_1);
                c.send(0, "echoed");
                assertThat(c.awaitLatin1(0, "echoed", WAIT)).isEqualTo(announced + "echoed");
                assertThat(c.latin1(1)).isEqualTo(announced);
            }
        }
    }

    @Test
    void portForwardReportsAClosedPortOnTheErrorStream() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        String url = server.portForward(PortForwardRequest.newBuilder().setPodSandboxId("p1").build()).getUrl();
        try (SpdyTestClient c = SpdyTestClient.connect(url, List.of("portforward.k8s.io"))) {
            String port = Integer.toString(closedPort);
            SpdyTestClient.Stream error = c.openStream(Map.of("streamtype", "error", "port", port, "requestid", "1"));
            c.openStream(Map.of("streamtype", "data", "port", port, "requestid", "1"));
            assertThat(error.awaitText(WAIT)).startsWith("error forwarding port " + port + " to pod p1");
        }
    }

    @Test
    void requestsAreValidatedBeforeAUrlIsIssued() {
        assertThatThrownBy(() -> server.exec(ExecRequest.newBuilder().setContainerId("c1").addCmd("ls").build()))
                .isInstanceOfSatisfying(CriException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
        assertThatThrownBy(() -> server.exec(ExecRequest.newBuilder().setContainerId("c1").addCmd("ls")
                .setTty(true).setStdout(true).setStderr(true).build()))
                .isInstanceOfSatisfying(CriException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
        assertThatThrownBy(() -> server.exec(ExecRequest.newBuilder().setContainerId("missing").addCmd("ls")
                .setStdout(true).build()))
                .isInstanceOfSatisfying(CriException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND));
    }
}
