package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.RuntimeServiceGrpc;
import io.jcri.cri.v1.VersionRequest;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The remote listener: CRI over TCP with mutual TLS. A client certificate from the configured CA with an allowed
 * CN gets in; no certificate, one from another CA, an expired one or a CN not allowed is refused at the handshake;
 * certificates are re-read on SIGHUP; a listener without TLS files cannot be configured.
 */
class RemoteAccessTest {
    private static Path dir;
    private static Certificates ca;
    private static Certificates otherCa;
    private static Path clientCaFile;
    private static Certificates.Issued server;
    private static JcriProcess jcri;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(JcriProcess.isRoot(), "e2e tests need root: skipped");
        dir = Files.createTempDirectory("jcri-remote-");
        ca = Certificates.authority(dir, "ca");
        otherCa = Certificates.authority(dir, "other-ca");
        server = ca.server("jcri-server");
        // a copy, so that a test can rotate the trusted CA in place
        clientCaFile = dir.resolve("client-ca.pem");
        Files.copy(ca.cert(), clientCaFile);
        port = freePort();
        jcri = JcriProcess.start(remoteToml(port, server, clientCaFile, "\"client-a\", \"client-b\""));
    }

    @AfterAll
    static void stop() throws Exception {
        if (jcri != null) {
            Files.writeString(Path.of("target/RemoteAccessTest-jcri.log"), jcri.logText());
            jcri.close();
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static String remoteToml(int port, Certificates.Issued server, Path clientCa, String allowed) {
        return """
                [remote]
                address = "127.0.0.1:%d"
                tls_cert_file = "%s"
                tls_key_file = "%s"
                client_ca_file = "%s"
                allowed_subjects = [%s]
                """.formatted(port, server.cert(), server.key(), clientCa, allowed);
    }

    private static CriClients client(Certificates.Issued cert) {
        return CriClients.connect("tcp://127.0.0.1:" + port, CriClients.Options.defaults()
                .withTls(ca.cert(), cert.cert(), cert.key()).withCallTimeout(Duration.ofSeconds(20)));
    }

    private static void assertRefused(CriClients c) {
        assertThatThrownBy(() -> c.runtime().version(VersionRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    @Test
    void aClientWithACertificateFromTheCaMakesCriCalls() throws Exception {
        try (CriClients c = client(ca.client("client-a"))) {
            assertThat(c.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("jcri");
            assertThat(c.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList())
                    .isEmpty();
        }
        assertThat(jcri.logText()).containsPattern("remote Version from /127\\.0\\.0\\.1:\\d+ subject CN=client-a");
    }

    @Test
    void aClientWithoutACertificateIsRefused() throws Exception {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port)
                .sslContext(GrpcSslContexts.forClient().trustManager(ca.cert().toFile()).build()).build();
        try {
            assertThatThrownBy(() -> RuntimeServiceGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .version(VersionRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aPlaintextClientIsRefused() throws Exception {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            assertThatThrownBy(() -> RuntimeServiceGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .version(VersionRequest.getDefaultInstance()))
                    .isInstanceOf(StatusRuntimeException.class);
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aCertificateFromAnotherCaIsRefused() throws Exception {
        try (CriClients c = client(otherCa.client("client-a"))) {
            assertRefused(c);
        }
    }

    @Test
    void anExpiredCertificateIsRefused() throws Exception {
        try (CriClients c = client(ca.expiredClient("client-a"))) {
            assertRefused(c);
        }
        assertThat(jcri.logText()).containsPattern("refused a client with subject CN=client-a: .*(validity|expired)");
    }

    @Test
    void aSubjectNotAllowedIsRefused() throws Exception {
        try (CriClients c = client(ca.client("client-z"))) {
            assertRefused(c);
        }
        assertThat(jcri.logText()).doesNotContainPattern("remote \\w+ from \\S+ subject CN=client-z")
                .contains("refused a client with subject CN=client-z: client subject client-z is not in "
                        + "remote.allowed_subjects");
    }

    @Test
    void theClientCaIsReReadOnSighup() throws Exception {
        Certificates.Issued fromOther = otherCa.client("client-b");
        try (CriClients c = client(fromOther)) {
            assertRefused(c);
        }
        int reloads = count(jcri.logText(), "reload of ");
        Path next = dir.resolve("client-ca.pem.new");
        Files.copy(otherCa.cert(), next, StandardCopyOption.REPLACE_EXISTING);
        Files.move(next, clientCaFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        try {
            jcri.hangup();
            awaitLog(jcri, "reload of ", reloads + 1);
            try (CriClients c = client(fromOther)) {
                assertThat(c.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName())
                        .isEqualTo("jcri");
            }
            try (CriClients c = client(ca.client("client-a"))) {
                assertRefused(c);
            }
        } finally {
            Files.copy(ca.cert(), next, StandardCopyOption.REPLACE_EXISTING);
            Files.move(next, clientCaFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            jcri.hangup();
            awaitLog(jcri, "reload of ", reloads + 2);
        }
    }

    /**
     * Revocation at a SIGHUP: a subject taken off {@code allowed_subjects} loses its open connection at the next
     * call, and a TLS session it resumed before the reload cannot be resumed after it.
     */
    @Test
    void aSubjectRemovedAtSighupLosesItsOpenConnectionAndItsResumedSession() throws Exception {
        Certificates.Issued b = ca.client("client-b");
        Path session = dir.resolve("client-b.session");
        String before = Files.readString(jcri.configFile());
        int reloads = count(jcri.logText(), "reload of ");
        try (CriClients open = client(b)) {
            assertThat(open.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName())
                    .isEqualTo("jcri");
            assertThat(sessionHandshake(b, session, false)).contains("New,");
            assertThat(sessionHandshake(b, session, true)).as("resumed before the reload").contains("Reused,");

            Files.writeString(jcri.configFile(), before.replace("\"client-a\", \"client-b\"", "\"client-a\""));
            jcri.hangup();
            awaitLog(jcri, "reload of ", reloads + 1);

            assertThatThrownBy(() -> open.runtime().version(VersionRequest.getDefaultInstance()))
                    .as("the next call on the connection opened before the reload")
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
            assertThat(sessionHandshake(b, session, true)).as("the session of before the reload")
                    .doesNotContain("Reused,");
            assertThat(jcri.logText()).contains("refused a client with subject CN=client-b");
        } finally {
            Files.writeString(jcri.configFile(), before);
            jcri.hangup();
            awaitLog(jcri, "reload of ", reloads + 2);
        }
    }

    /** {@code openssl s_client} over TLS 1.2 saving its session to {@code session}, or resuming it; its output. */
    private static String sessionHandshake(Certificates.Issued cert, Path session, boolean resume) throws Exception {
        Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-tls1_2",
                "-CAfile", ca.cert().toString(), "-cert", cert.cert().toString(), "-key", cert.key().toString(),
                resume ? "-sess_in" : "-sess_out", session.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    /** {@code openssl s_client} with a good client certificate and {@code protocol}; its output. */
    private static String handshake(String protocol) throws Exception {
        Certificates.Issued good = ca.client("client-a");
        Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-brief", protocol,
                "-CAfile", ca.cert().toString(), "-cert", good.cert().toString(), "-key", good.key().toString())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void theListenerSpeaksTls13AndTls12Only() throws Exception {
        assertThat(handshake("-tls1_3")).contains("Protocol version: TLSv1.3", "Verification: OK");
        assertThat(handshake("-tls1_2")).contains("Protocol version: TLSv1.2");
        assertThat(handshake("-tls1_1")).doesNotContain("Protocol version");
    }

    @Test
    void aRemoteAddressWithoutTlsFilesCannotBeConfigured() throws Exception {
        Path conf = dir.resolve("plain.toml");
        Files.writeString(conf, "[remote]\naddress = \"127.0.0.1:" + port + "\"\n");
        Process p = new ProcessBuilder(JcriProcess.repoRoot().resolve("bin/jcri").toString(), "config", "--config",
                conf.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isEqualTo(2);
        assertThat(out).contains("remote.tls_cert_file", "remote.tls_key_file", "remote.client_ca_file",
                "never plaintext");
    }

    static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    /** Waits until the daemon's log holds {@code needle} at least {@code times} times. */
    static void awaitLog(JcriProcess jcri, String needle, int times) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (count(jcri.logText(), needle) < times) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the log did not show '" + needle + "' " + times + " times: "
                        + jcri.logText());
            }
            Thread.sleep(50);
        }
    }
}
