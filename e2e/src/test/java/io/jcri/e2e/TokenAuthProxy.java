package io.jcri.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A registry front that speaks the bearer-token flow: {@code /v2/} answers 401 with a {@code WWW-Authenticate:
 * Bearer} challenge whose realm is this server's {@code /token}, which hands out tokens for basic credentials.
 * Authorized manifest requests are proxied to a real registry; blob requests are redirected to a second listener
 * (a "storage host" on another port) that records whether credentials ever reached it.
 */
public final class TokenAuthProxy implements AutoCloseable {
    private final HttpServer front;
    private final HttpServer storage;
    private final RegistryForwarder upstream;
    private final String basic;
    private final Set<String> tokens = ConcurrentHashMap.newKeySet();
    /** How many tokens were issued. */
    public final AtomicInteger tokensIssued = new AtomicInteger();
    /** How many requests reached the storage host carrying an Authorization header. */
    public final AtomicInteger credentialsLeakedToStorage = new AtomicInteger();
    /** How many blob requests the storage host served. */
    public final AtomicInteger storageRequests = new AtomicInteger();

    public TokenAuthProxy(String upstreamHost, String user, String password) throws IOException {
        this.upstream = new RegistryForwarder(upstreamHost);
        this.basic = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
        InetAddress lo = InetAddress.getLoopbackAddress();
        front = HttpServer.create(new InetSocketAddress(lo, 0), 16);
        storage = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0), 16);
        front.createContext("/token", this::token);
        front.createContext("/v2/", this::registry);
        storage.createContext("/", this::blob);
        for (HttpServer s : Set.of(front, storage)) {
            s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            s.start();
        }
    }

    public String host() {
        return "127.0.0.1:" + front.getAddress().getPort();
    }

    private void token(HttpExchange x) throws IOException {
        if (!basic.equals(x.getRequestHeaders().getFirst("Authorization"))) {
            reply(x, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}");
            return;
        }
        String t = UUID.randomUUID().toString();
        tokens.add(t);
        tokensIssued.incrementAndGet();
        reply(x, 200, "{\"token\":\"" + t + "\",\"expires_in\":300}");
    }

    private void registry(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath();
        String auth = x.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.startsWith("Bearer ") || !tokens.contains(auth.substring(7))) {
            String repo = path.replaceFirst("^/v2/", "").replaceFirst("/(manifests|blobs)/.*$", "");
            x.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://" + host()
                    + "/token\",service=\"jcri-test\",scope=\"repository:" + repo + ":pull\"");
            reply(x, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}");
            return;
        }
        if (path.contains("/blobs/")) {
            // 127.0.0.2 is another host as far as credentials are concerned (all of 127/8 is loopback)
            x.getResponseHeaders().add("Location", "http://127.0.0.2:" + storage.getAddress().getPort() + path);
            x.sendResponseHeaders(307, -1);
            x.close();
            return;
        }
        proxy(x, path);
    }

    private void blob(HttpExchange x) throws IOException {
        storageRequests.incrementAndGet();
        if (x.getRequestHeaders().containsKey("Authorization")) {
            credentialsLeakedToStorage.incrementAndGet();
        }
        proxy(x, x.getRequestURI().getPath());
    }

    private void proxy(HttpExchange x, String path) throws IOException {
        RegistryForwarder.Forwarded f = upstream.forward(x, path);
        try (InputStream in = f.body(); OutputStream out = x.getResponseBody()) {
            in.transferTo(out);
        }
    }

    private static void reply(HttpExchange x, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.sendResponseHeaders(status, b.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        front.stop(0);
        storage.stop(0);
    }
}
