package io.jcri.server.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamingTlsTest {

    /** A self-signed certificate for 127.0.0.1 named {@code cn}: its PEM file and key file. */
    private static Path[] selfSigned(Path dir, String cn) throws Exception {
        Path cert = dir.resolve(cn + "-cert.pem");
        Path key = dir.resolve(cn + "-key.pem");
        Process p = new ProcessBuilder("/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-subj", "/CN=" + cn, "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1", "-keyout",
                key.toString(), "-out", cert.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor()).isZero();
        return new Path[] {cert, key};
    }

    private static SSLContext trustAll() throws Exception {
        SSLContext trustAll = SSLContext.getInstance("TLS");
        trustAll.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, new SecureRandom());
        return trustAll;
    }

    @Test
    void withACertificateTheServerSpeaksHttps(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed: skipped");
        Path[] files = selfSigned(dir, "127.0.0.1");
        try (StreamingServer server = new StreamingServer(new ProcessBackend(),
                StreamingServerTest.limits(Duration.ofHours(1)),
                StreamingServer.tls(files[0].toString(), files[1].toString()), Clock.systemUTC())) {
            server.start("127.0.0.1", 0);
            assertThat(server.baseUrl()).startsWith("https://127.0.0.1:");
            HttpResponse<String> res = HttpClient.newBuilder().sslContext(trustAll()).build().send(
                    HttpRequest.newBuilder(URI.create(server.baseUrl() + "/exec/unknown")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(res.statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aRotatedCertificateServesTheNextConnections(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed: skipped");
        Path[] one = selfSigned(dir, "one");
        Path[] two = selfSigned(dir, "two");
        try (StreamingServer server = new StreamingServer(new ProcessBackend(), StreamingServerTest.limits(Duration.ofHours(1)),
                StreamingServer.tls(one[0].toString(), one[1].toString()), Clock.systemUTC())) {
            server.start("127.0.0.1", 0);
            int port = URI.create(server.baseUrl()).getPort();
            assertThat(peerName(port)).isEqualTo("CN=one");
            server.useTls(StreamingServer.tls(two[0].toString(), two[1].toString()));
            assertThat(peerName(port)).isEqualTo("CN=two");
            assertThatThrownBy(() -> server.useTls(null)).isInstanceOf(IllegalStateException.class);
        }
    }

    private static String peerName(int port) throws Exception {
        try (SSLSocket s = (SSLSocket) trustAll().getSocketFactory().createSocket("127.0.0.1", port)) {
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
        }
    }

    @Test
    void noCertificateMeansPlainHttp() throws IOException {
        assertThat(StreamingServer.tls("", "")).isNull();
        assertThatThrownBy(() -> StreamingServer.tls("/nonexistent/cert.pem", "/nonexistent/key.pem"))
                .isInstanceOf(IOException.class).hasMessageContaining("/nonexistent/cert.pem");
    }
}
