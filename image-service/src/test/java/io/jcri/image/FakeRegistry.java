package io.jcri.image;

import com.sun.net.httpserver.HttpServer;
import io.jcri.image.content.Digests;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A plain-HTTP registry on 127.0.0.1 serving images of no layers, for pull tests without a real registry. */
final class FakeRegistry implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, byte[]> paths = new ConcurrentHashMap<>();
    final AtomicInteger blobRequests = new AtomicInteger();

    FakeRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        server.createContext("/v2/", x -> {
            String path = x.getRequestURI().getPath();
            if (path.contains("/blobs/")) {
                blobRequests.incrementAndGet();
            }
            byte[] body = paths.get(path);
            if (body == null) {
                x.sendResponseHeaders(404, -1);
                x.close();
                return;
            }
            x.getResponseHeaders().add("Content-Type", "application/vnd.oci.image.manifest.v1+json");
            x.sendResponseHeaders(200, body.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
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
        String configDigest = Digests.of(config);
        byte[] manifest = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
                 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},
                 "layers":[],"annotations":%s}""".formatted(configDigest, configSize < 0 ? config.length : configSize,
                annotations).getBytes(StandardCharsets.UTF_8);
        paths.put("/v2/" + repository + "/blobs/" + configDigest, config);
        paths.put("/v2/" + repository + "/manifests/" + tag, manifest);
        return configDigest;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
