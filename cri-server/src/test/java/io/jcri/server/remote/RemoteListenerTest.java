package io.jcri.server.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ExecRequest;
import io.jcri.cri.v1.ExecResponse;
import io.jcri.cri.v1.RuntimeServiceGrpc;
import io.jcri.cri.v1.VersionRequest;
import io.jcri.cri.v1.VersionResponse;
import io.jcri.server.config.JcriConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Revocation on the remote listener: a reload that narrows {@code remote.allowed_subjects} or replaces the client
 * CA cuts off an open connection at its next call and a client resuming a TLS session from before; subjects
 * match a single CN or a DNS or URI alternative name; streaming calls are refused to remote clients.
 */
class RemoteListenerTest {
    @TempDir
    Path dir;
    private TestPki ca;
    private TestPki.Issued server;

    @BeforeEach
    void pki() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed: skipped");
        ca = TestPki.authority(dir, "ca");
        server = ca.issue("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    }

    private JcriConfig.Remote remote(Path clientCa, List<String> allowed) {
        return new JcriConfig.Remote("127.0.0.1:0", server.cert().toString(), server.key().toString(),
                clientCa.toString(), allowed);
    }

    private static RemoteListener start(JcriConfig.Remote remote) {
        return RemoteListener.start(remote, List.of(new Runtime().bindService()), new ServerInterceptor() {
            @Override
            public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call,
                    io.grpc.Metadata headers, io.grpc.ServerCallHandler<Q, R> next) {
                return next.startCall(call, headers);
            }
        }, Executors.newVirtualThreadPerTaskExecutor());
    }

    private CriClients client(RemoteListener l, TestPki.Issued cert) {
        return CriClients.connect("tcp://127.0.0.1:" + l.port(), CriClients.Options.defaults()
                .withTls(ca.cert(), cert.cert(), cert.key()).withCallTimeout(Duration.ofSeconds(20)));
    }

    @Test
    void aNarrowedSubjectListCutsOffAnOpenConnectionAtItsNextCall() throws Exception {
        TestPki.Issued a = ca.client("client-a");
        try (RemoteListener l = start(remote(ca.cert(), List.of("client-a", "client-b")));
             CriClients c = client(l, a)) {
            assertThat(c.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("t");
            l.reload(remote(ca.cert(), List.of("client-b")));
            assertThatThrownBy(() -> c.runtime().version(VersionRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                            .isEqualTo(Status.Code.UNAUTHENTICATED));
        }
    }

    @Test
    void aReplacedCaCutsOffAnOpenConnectionAndAResumedSession() throws Exception {
        TestPki other = TestPki.authority(dir, "other");
        TestPki.Issued a = ca.client("client-a");
        try (RemoteListener l = start(remote(ca.cert(), List.of("client-a")));
             CriClients c = client(l, a)) {
            SSLContext tls = clientContext(a);
            SSLSocket first = handshake(tls, l.port());
            byte[] id = first.getSession().getId();
            first.close();
            SSLSocket resumed = handshake(tls, l.port());
            assertThat(resumed.getSession().getId()).as("the session is resumed before the reload").isEqualTo(id);
            resumed.close();
            assertThat(c.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("t");

            l.reload(remote(other.cert(), List.of("client-a")));

            assertThatThrownBy(() -> c.runtime().version(VersionRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                            .isEqualTo(Status.Code.UNAUTHENTICATED));
            assertThatThrownBy(() -> handshake(tls, l.port()).getSession().getId())
                    .as("resuming the session of before the reload").isInstanceOf(java.io.IOException.class);
        }
    }

    @Test
    void aReloadWithABadFileChangesNothing() throws Exception {
        TestPki.Issued a = ca.client("client-a");
        Path bad = Files.writeString(dir.resolve("bad.pem"), "not a certificate");
        try (RemoteListener l = start(remote(ca.cert(), List.of("client-a")));
             CriClients c = client(l, a)) {
            assertThatThrownBy(() -> l.reload(remote(bad, List.of("client-b")))).isInstanceOf(
                    java.io.IOException.class);
            assertThat(c.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("t");
        }
    }

    @Test
    void streamingIsRefusedToRemoteClients() throws Exception {
        try (RemoteListener l = start(remote(ca.cert(), List.of("client-a")));
             CriClients c = client(l, ca.client("client-a"))) {
            assertThatThrownBy(() -> c.runtime().exec(ExecRequest.newBuilder().setContainerId("x").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                        assertThat(e.getStatus().getDescription()).contains("not served to remote clients");
                    });
        }
    }

    @Test
    void aSubjectIsOneCnOrADnsOrUriAlternativeName() throws Exception {
        ClientPolicy policy = ClientPolicy.of(new X509Certificate[] {ca.certificate()},
                List.of("admin", "ops.example", "spiffe://example/ops"));
        policy.check(new X509Certificate[] {ca.client("admin").certificate()});
        policy.check(new X509Certificate[] {ca.issue("dns", "subjectAltName=DNS:ops.example\n").certificate()});
        policy.check(new X509Certificate[] {ca.issue("uri", "subjectAltName=URI:spiffe://example/ops\n")
                .certificate()});
        assertThatThrownBy(() -> policy.check(new X509Certificate[] {ca.client("other").certificate()}))
                .isInstanceOf(CertificateException.class).hasMessageContaining("not in remote.allowed_subjects");
        assertThatThrownBy(() -> policy.check(new X509Certificate[] {ca.issueSubject("two",
                "/CN=admin/CN=other", "extendedKeyUsage=clientAuth\n").certificate()}))
                .isInstanceOf(CertificateException.class).hasMessageContaining("2 CNs");
        assertThatThrownBy(() -> policy.check(new X509Certificate[] {ca.issueSubject("two-rev",
                "/CN=other/CN=admin", "extendedKeyUsage=clientAuth\n").certificate()}))
                .isInstanceOf(CertificateException.class).hasMessageContaining("2 CNs");
    }

    private SSLContext clientContext(TestPki.Issued client) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("client", client.privateKey(), new char[0], new X509Certificate[] {client.certificate()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLSv1.2");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    /** A TLS 1.2 handshake (session IDs show resumption) with ALPN h2, as a gRPC client makes. */
    private static SSLSocket handshake(SSLContext ctx, int port) throws java.io.IOException {
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        var params = s.getSSLParameters();
        params.setProtocols(new String[] {"TLSv1.2"});
        params.setApplicationProtocols(new String[] {"h2"});
        s.setSSLParameters(params);
        s.startHandshake();
        // the server's refusal of a client certificate arrives after the client's last flight
        s.setSoTimeout(5000);
        s.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        s.getInputStream().read();
        return s;
    }

    /** Answers Version with runtime name "t"; Exec must never be reached remotely. */
    private static final class Runtime extends RuntimeServiceGrpc.RuntimeServiceImplBase {
        @Override
        public void version(VersionRequest request, StreamObserver<VersionResponse> response) {
            response.onNext(VersionResponse.newBuilder().setRuntimeName("t").build());
            response.onCompleted();
        }

        @Override
        public void exec(ExecRequest request, StreamObserver<ExecResponse> response) {
            response.onNext(ExecResponse.newBuilder().setUrl("http://127.0.0.1:1/exec/x").build());
            response.onCompleted();
        }
    }
}
