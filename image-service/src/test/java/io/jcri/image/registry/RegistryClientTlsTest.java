package io.jcri.image.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the client does when TLS and the registry disagree: fall back, refuse, or explain. */
class RegistryClientTlsTest {
    private static final String MANIFEST = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
             "config":{"digest":"sha256:%s","size":1},"layers":[]}""".formatted("c".repeat(64));
    private static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir
    static Path keys;
    private static KeyStore store;

    private HttpServer server;
    private HttpServer storage;
    private final AtomicInteger storageRequests = new AtomicInteger();

    @BeforeAll
    static void certificate() throws Exception {
        Path p12 = keys.resolve("registry.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "registry", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-validity", "2", "-keystore", p12.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as(out).isTrue();
        store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            store.load(in, PASSWORD);
        }
    }

    @AfterEach
    void stop() {
        for (HttpServer s : new HttpServer[] {server, storage}) {
            if (s != null) {
                s.stop(0);
            }
        }
    }

    private static SSLContext trusting() throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static RegistryClient client(SSLContext trust) {
        // A connect timeout far above any handshake here: a cold JVM on a busy machine can take seconds for its
        // first one, and a timed-out handshake is retried, which is not what these tests are about.
        return new RegistryClient(Duration.ofSeconds(10), Duration.ofSeconds(30), () -> trust);
    }

    /** For a registry that never answers a TLS handshake (the JDK's plain HttpServer): a stall, cut at 2 s. */
    private static RegistryClient stallingClient(SSLContext trust) {
        return new RegistryClient(Duration.ofSeconds(10), Duration.ofSeconds(2), () -> trust);
    }

    private void httpsRegistry() throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, PASSWORD);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        s.setHttpsConfigurator(new HttpsConfigurator(ctx));
        server = s;
        storage = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0), 8);
        storage.createContext("/", x -> {
            storageRequests.incrementAndGet();
            reply(x, 200, "blob");
        });
        registryHandlers("http://127.0.0.2:" + storage.getAddress().getPort() + "/data");
        server.start();
        storage.start();
    }

    private void registryHandlers(String blobLocation) {
        server.createContext("/v2/", x -> {
            if (x.getRequestURI().getPath().contains("/blobs/")) {
                x.getResponseHeaders().add("Location", blobLocation);
                x.sendResponseHeaders(307, -1);
                x.close();
            } else {
                reply(x, 200, MANIFEST);
            }
        });
    }

    private String port() {
        return String.valueOf(server.getAddress().getPort());
    }

    @Test
    void anHttpsRegistryRedirectingToPlainHttpIsRefused() throws Exception {
        httpsRegistry();
        RegistryClient client = client(trusting());
        RegistryEndpoint ep = new RegistryEndpoint("127.0.0.1:" + port(), "app", false, false);
        assertThat(client.fetchManifest(ep, "1", RegistryAuth.NONE).config()).isNotNull();
        assertThatThrownBy(() -> client.openBlob(ep, "sha256:" + "d".repeat(64),
                new RegistryAuth("user", "pw", null, null)))
                .isInstanceOfSatisfying(CriException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
                .hasMessageContaining("no redirect from HTTPS to plain HTTP");
        assertThat(storageRequests.get()).isZero();
    }

    @Test
    void anUntrustedCertificateFailsAtOnceEvenOnLoopback() throws Exception {
        httpsRegistry();
        SSLContext jdkDefaults = SSLContext.getInstance("TLS");
        jdkDefaults.init(null, null, null);
        RegistryEndpoint ep = new RegistryEndpoint("127.0.0.1:" + port(), "app", false, false);
        assertThatThrownBy(() -> client(jdkDefaults).fetchManifest(ep, "1", RegistryAuth.NONE))
                .isInstanceOfSatisfying(CriException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
                .hasMessageContaining("does not trust");
    }

    @Test
    void aLoopbackRegistryWithoutTlsIsReachedOverPlainHttp() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        registryHandlers("/unused");
        server.start();
        RegistryClient client = stallingClient(trusting());
        RegistryEndpoint ep = new RegistryEndpoint("127.0.0.1:" + port(), "app", false, false);
        assertThat(client.fetchManifest(ep, "1", RegistryAuth.NONE).config()).isNotNull();
        assertThat(client.base(ep).getScheme()).isEqualTo("http");
    }

    @Test
    void aLoopbackRegistryReachedOverPlainHttpWithoutARuleGetsNoCredentials() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        List<String> authorizations = new java.util.concurrent.CopyOnWriteArrayList<>();
        server.createContext("/", x -> {
            authorizations.add(String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
            x.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"squatter\"");
            reply(x, 401, "{}");
        });
        server.start();
        RegistryEndpoint ep = new RegistryEndpoint("127.0.0.1:" + port(), "app", false, false);
        assertThatThrownBy(() -> stallingClient(trusting()).fetchManifest(ep, "1",
                new RegistryAuth("user", "pw", null, null))).isInstanceOfSatisfying(CriException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
                .hasMessageContaining("insecure = true");
        assertThatThrownBy(() -> stallingClient(trusting()).fetchManifest(ep, "1",
                new RegistryAuth("", "", null, "tok")))
                .hasMessageContaining("insecure = true");
        assertThat(authorizations).isNotEmpty().containsOnly("null");
    }

    @Test
    void aRegistryAnsweringPlainHttpToTlsFailsAtOnceSayingWhatToChange() throws Exception {
        // Linux reaches 0.0.0.0 on this machine, and it is not a loopback name: no fallback to plain HTTP
        try (PlainHttpAnswer plain = new PlainHttpAnswer()) {
            RegistryEndpoint ep = new RegistryEndpoint("0.0.0.0:" + plain.port(), "app", false, false);
            assertThatThrownBy(() -> client(trusting()).fetchManifest(ep, "1", RegistryAuth.NONE))
                    .isInstanceOfSatisfying(CriException.class,
                            e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
                    .hasMessageContaining("answered plain HTTP to an HTTPS request")
                    .hasMessageContaining("insecure");
            assertThat(plain.connections.get()).as("no retries").isEqualTo(1);
        }
    }

    @Test
    void loopbackNamesAreKnownBySpellingOnly() {
        assertThat(Loopback.is("localhost:5000")).isTrue();
        assertThat(Loopback.is("127.0.0.1")).isTrue();
        assertThat(Loopback.is("127.1.2.3:80")).isTrue();
        assertThat(Loopback.is("[::1]:5000")).isTrue();
        assertThat(Loopback.is("0.0.0.0:5000")).isFalse();
        assertThat(Loopback.is("127.0.0.1.example.com")).isFalse();
        assertThat(Loopback.is("localhost.example.com:5000")).isFalse();
        assertThat(Loopback.is("[::2]:5000")).isFalse();
    }

    /** Answers whatever arrives with an HTTP 400, as Go's HTTP server does to a TLS handshake. */
    private static final class PlainHttpAnswer implements AutoCloseable {
        final ServerSocket socket;
        final AtomicInteger connections = new AtomicInteger();
        final Thread acceptor;

        PlainHttpAnswer() throws IOException {
            socket = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
            acceptor = Thread.ofVirtual().start(() -> {
                while (!socket.isClosed()) {
                    try (Socket s = socket.accept()) {
                        connections.incrementAndGet();
                        s.setSoTimeout(10_000);
                        // The whole ClientHello is read before the answer: closing with unread bytes would send a
                        // reset, which the client may see before the answer (a different error, and a retry).
                        DataInputStream in = new DataInputStream(s.getInputStream());
                        byte[] header = new byte[5];
                        in.readFully(header);
                        in.readFully(new byte[((header[3] & 0xff) << 8) | (header[4] & 0xff)]);
                        s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                .getBytes(StandardCharsets.US_ASCII));
                        s.shutdownOutput();
                        in.transferTo(OutputStream.nullOutputStream());
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws Exception {
            socket.close();
            acceptor.join(5000);
        }
    }

    private static void reply(HttpExchange x, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(status, b.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(b);
        }
    }
}
