package io.jcri.image;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.jcri.image.content.Digests;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain-HTTP registry on 127.0.0.1 for pull tests without a real registry: serves what a test put at a path,
 * counts requests per path, can hold a path's answer until the test releases it, and can ask for basic auth.
 */
final class FakeRegistry implements AutoCloseable {
    private record Answer(int status, String contentType, byte[] body) {
    }

    /** A held path: {@link #arrived} opens when a request for it comes, the answer goes once released. */
    record Gate(CountDownLatch arrived, CountDownLatch release) {
    }

    private final HttpServer server;
    private final Map<String, Answer> paths = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
    private final Map<String, Gate> gates = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> expected = new ConcurrentHashMap<>();
    final AtomicInteger blobRequests = new AtomicInteger();
    private final ExecutorService requestThreads = Executors.newVirtualThreadPerTaskExecutor();
    private volatile String basicAuthorization;

    FakeRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        server.createContext("/v2/", this::answer);
        // a thread a request: a held answer must not keep the others waiting
        server.setExecutor(requestThreads);
        server.start();
    }

    private void answer(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath();
        requests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        if (path.contains("/blobs/")) {
            blobRequests.incrementAndGet();
        }
        CountDownLatch arrivals = expected.get(path);
        if (arrivals != null) {
            arrivals.countDown();
        }
        Gate gate = gates.get(path);
        if (gate != null) {
            gate.arrived().countDown();
            try {
                gate.release().await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        String wanted = basicAuthorization;
        if (wanted != null && !wanted.equals(x.getRequestHeaders().getFirst("Authorization"))) {
            x.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"fake\"");
            x.sendResponseHeaders(401, -1);
            x.close();
            return;
        }
        Answer a = paths.get(path);
        if (a == null || a.body().length == 0) {
            x.sendResponseHeaders(a == null ? 404 : a.status(), -1);
            x.close();
            return;
        }
        x.getResponseHeaders().add("Content-Type", a.contentType());
        x.sendResponseHeaders(a.status(), a.body().length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(a.body());
        }
    }

    String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** Serves {@code body} (digested as it is, whatever the manifest claims) as blob {@code digest}. */
    void blob(String repository, String digest, byte[] body) {
        paths.put("/v2/" + repository + "/blobs/" + digest, new Answer(200, "application/octet-stream", body));
    }

    /** Serves {@code body} as its own digest's blob and returns that digest. */
    String blob(String repository, byte[] body) {
        String digest = Digests.of(body);
        blob(repository, digest, body);
        return digest;
    }

    /** Serves {@code json} as manifest {@code tag} and by its digest, and returns that digest. */
    String manifest(String repository, String tag, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String digest = Digests.of(body);
        Answer a = new Answer(200, "application/vnd.oci.image.manifest.v1+json", body);
        paths.put(manifestPath(repository, tag), a);
        paths.put(manifestPath(repository, digest), a);
        return digest;
    }

    /** Answers every request for {@code path} with {@code status} and no body. */
    void fail(String path, int status) {
        paths.put(path, new Answer(status, "", new byte[0]));
    }

    static String manifestPath(String repository, String reference) {
        return "/v2/" + repository + "/manifests/" + reference;
    }

    static String blobPath(String repository, String digest) {
        return "/v2/" + repository + "/blobs/" + digest;
    }

    /** Requests that reached {@code path} so far. */
    int requests(String path) {
        AtomicInteger n = requests.get(path);
        return n == null ? 0 : n.get();
    }

    /** A latch that opens once {@code n} more requests for {@code path} have come. */
    CountDownLatch expect(String path, int n) {
        CountDownLatch l = new CountDownLatch(n);
        expected.put(path, l);
        return l;
    }

    /** Holds every answer for {@code path} until the returned gate is released. */
    Gate hold(String path) {
        Gate g = new Gate(new CountDownLatch(1), new CountDownLatch(1));
        gates.put(path, g);
        return g;
    }

    /** From now on answers 401 with a basic challenge unless the request carries these credentials. */
    void requireBasic(String username, String password) {
        basicAuthorization = "Basic " + Base64.getEncoder().encodeToString((username + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Serves {@code repository:tag} as an image of no layers.
     *
     * @param annotations the manifest's {@code annotations} object, JSON
     * @param configSize  the size the manifest claims for the config, or -1 for its true size
     * @return the config digest (the image ID)
     */
    String push(String repository, String tag, String annotations, long configSize) {
        byte[] config = """
                {"architecture":"amd64","os":"linux","config":{"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":[]}}"""
                .getBytes(StandardCharsets.UTF_8);
        String configDigest = blob(repository, config);
        manifest(repository, tag, """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
                 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},
                 "layers":[],"annotations":%s}""".formatted(configDigest, configSize < 0 ? config.length : configSize,
                annotations));
        return configDigest;
    }

    @Override
    public void close() {
        gates.values().forEach(g -> g.release().countDown());
        server.stop(0);
        requestThreads.shutdownNow();
    }
}
