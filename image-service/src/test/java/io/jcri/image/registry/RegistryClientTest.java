package io.jcri.image.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.image.content.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RegistryClientTest {
    private static final String MANIFEST = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
             "config":{"digest":"sha256:%s","size":1},"layers":[]}""".formatted("c".repeat(64));
    private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString(
            "user:pw".getBytes(StandardCharsets.UTF_8));

    private HttpServer registry;
    private HttpServer storage;
    private final AtomicInteger tokenRequests = new AtomicInteger();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private final List<String> storageAuthorizations = new ArrayList<>();
    private final AtomicInteger storageTokenRequests = new AtomicInteger();
    private volatile String realmHost;
    private volatile int tokenPadding;
    private final RegistryClient client = new RegistryClient(Duration.ofSeconds(10));

    @BeforeEach
    void start() throws IOException {
        registry = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        storage = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0), 8);
        registry.createContext("/token", x -> {
            tokenRequests.incrementAndGet();
            if (BASIC.equals(x.getRequestHeaders().getFirst("Authorization"))) {
                reply(x, 200, "{\"access_token\":\"tok\",\"expires_in\":300" + ",\"pad\":\""
                        + "x".repeat(tokenPadding) + "\"}");
            } else {
                reply(x, 401, "{}");
            }
        });
        registry.createContext("/v2/", x -> {
            if (failuresLeft.getAndDecrement() > 0) {
                reply(x, 503, "busy");
                return;
            }
            if (!"Bearer tok".equals(x.getRequestHeaders().getFirst("Authorization"))) {
                x.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://" + realmHost
                        + "/token\",service=\"test\",scope=\"repository:app:pull\"");
                reply(x, 401, "{}");
                return;
            }
            String path = x.getRequestURI().getPath();
            if (path.contains("/blobs/")) {
                x.getResponseHeaders().add("Location", "http://" + host(storage) + "/data");
                x.sendResponseHeaders(307, -1);
                x.close();
            } else if (path.endsWith("/manifests/schema1")) {
                reply(x, 200, "{\"schemaVersion\":1,\"name\":\"app\"}");
            } else {
                reply(x, 200, MANIFEST);
            }
        });
        storage.createContext("/token", x -> {
            storageTokenRequests.incrementAndGet();
            reply(x, 200, "{\"token\":\"tok\"}");
        });
        storage.createContext("/data", x -> {
            synchronized (storageAuthorizations) {
                storageAuthorizations.add(String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
            }
            reply(x, 200, "blob");
        });
        registry.start();
        storage.start();
        realmHost = host(registry);
    }

    @AfterEach
    void stop() {
        registry.stop(0);
        storage.stop(0);
    }

    private RegistryEndpoint endpoint() {
        return new RegistryEndpoint(host(registry), "app", true, false);
    }

    @Test
    void bearerFlowWithBasicCredentialsCachesTheTokenPerScope() {
        RegistryAuth auth = new RegistryAuth("user", "pw", null, null);
        Manifest m = client.fetchManifest(endpoint(), "1", auth);
        assertThat(m.digest()).isEqualTo(Digests.of(MANIFEST));
        assertThat(client.fetchManifest(endpoint(), m.digest(), auth).config()).isNotNull();
        assertThat(tokenRequests.get()).isEqualTo(1);
    }

    @Test
    void blobRedirectsToAnotherHostCarryNoCredentials() throws IOException {
        try (InputStream in = client.openBlob(endpoint(), "sha256:" + "d".repeat(64),
                new RegistryAuth("user", "pw", null, null))) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("blob");
        }
        assertThat(storageAuthorizations).containsExactly("null");
    }

    @Test
    void aChallengeFromTheHostABlobRedirectEndedOnGetsNoCredentials() throws IOException {
        storage.removeContext("/data");
        storage.createContext("/data", x -> {
            synchronized (storageAuthorizations) {
                storageAuthorizations.add(String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
            }
            // an HTTPS realm: the rule that keeps credentials off plain-HTTP realms does not stop it
            x.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"https://" + host(storage)
                    + "/token\",service=\"cdn\"");
            reply(x, 401, "{}");
        });
        RegistryAuth auth = new RegistryAuth("user", "pw", null, null);
        // with the registry's token cached, the blob request's first answer is the storage host's challenge
        client.fetchManifest(endpoint(), "1", auth);
        assertThatThrownBy(() -> client.openBlob(endpoint(), "sha256:" + "d".repeat(64), auth).close())
                .isInstanceOfSatisfying(CriException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
                .hasMessageContaining("only the registry's own challenges");
        assertThat(storageTokenRequests.get()).isZero();
        assertThat(storageAuthorizations).containsOnly("null");
    }

    @Test
    void wrongCredentialsAreRefusedWithoutRetrying() {
        assertThatThrownBy(() -> client.fetchManifest(endpoint(), "1", new RegistryAuth("user", "bad", null, null)))
                .isInstanceOfSatisfying(CriException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
                .hasMessageNotContaining("bad");
        assertThat(tokenRequests.get()).isEqualTo(1);
    }

    @Test
    void retriesBusyRegistriesAndRefusesSchema1AndWrongDigests() {
        failuresLeft.set(2);
        RegistryAuth auth = new RegistryAuth("", "", null, "tok");
        assertThat(client.fetchManifest(endpoint(), "1", auth).isIndex()).isFalse();
        assertThat(tokenRequests.get()).isZero();
        assertThatThrownBy(() -> client.fetchManifest(endpoint(), "schema1", auth)).hasMessageContaining("schema 1");
        assertThatThrownBy(() -> client.fetchManifest(endpoint(), "sha256:" + "e".repeat(64), auth))
                .hasMessageContaining("not the requested");
    }

    @Test
    void aRequestWithoutCredentialsNeverUsesATokenThatOthersObtained() {
        client.fetchManifest(endpoint(), "1", new RegistryAuth("user", "pw", null, null));
        assertThatThrownBy(() -> client.fetchManifest(endpoint(), "1", RegistryAuth.NONE))
                .isInstanceOfSatisfying(CriException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
                .hasMessageContaining("without credentials");
        assertThatThrownBy(() -> client.fetchManifest(endpoint(), "1", new RegistryAuth("user", "other", null, null)))
                .isInstanceOf(CriException.class);
        assertThat(client.fetchManifest(endpoint(), "1", new RegistryAuth("user", "pw", null, null))).isNotNull();
        assertThat(tokenRequests.get()).as("the anonymous and the other user's token requests; pw's token is cached")
                .isEqualTo(3);
    }

    @Test
    void credentialsGoToAPlainHttpRealmOnlyOnTheRegistryItself() {
        realmHost = host(storage);
        assertThatThrownBy(() -> client.fetchManifest(endpoint(), "1", new RegistryAuth("user", "pw", null, null)))
                .isInstanceOfSatisfying(CriException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
                .hasMessageContaining("only over HTTPS");
        assertThat(storageTokenRequests.get()).isZero();
        assertThatThrownBy(() -> client.fetchManifest(endpoint(), "1", new RegistryAuth("", "", "refresh", null)))
                .hasMessageContaining("only over HTTPS");
        assertThat(storageTokenRequests.get()).isZero();
    }

    @Test
    void aTokenResponseLargerThanATokenNeedsIsRefused() {
        tokenPadding = RegistryClient.MAX_TOKEN_RESPONSE_BYTES;
        assertThatThrownBy(() -> client.fetchManifest(endpoint(), "1", new RegistryAuth("user", "pw", null, null)))
                .isInstanceOfSatisfying(CriException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.RESOURCE_EXHAUSTED))
                .hasMessageContaining("token server");
    }

    private static String host(HttpServer s) {
        return s.getAddress().getHostString() + ":" + s.getAddress().getPort();
    }

    private static void reply(HttpExchange x, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(status, b.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(b);
        }
    }
}
