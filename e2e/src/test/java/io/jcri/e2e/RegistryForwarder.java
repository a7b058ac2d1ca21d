package io.jcri.e2e;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Forwards a GET from a test server to a real registry and starts the answer: status, type and length. */
final class RegistryForwarder {
    private final HttpClient http = HttpClient.newHttpClient();
    private final URI upstream;

    RegistryForwarder(String upstreamHost) {
        upstream = URI.create("http://" + upstreamHost);
    }

    /** Sends the headers of the upstream answer to {@code x}; the caller writes the returned body. */
    Forwarded forward(HttpExchange x, String path) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(upstream.resolve(path));
        String accept = x.getRequestHeaders().getFirst("Accept");
        if (accept != null) {
            b.header("Accept", accept);
        }
        HttpResponse<InputStream> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        r.headers().firstValue("Content-Type").ifPresent(v -> x.getResponseHeaders().add("Content-Type", v));
        long length = r.headers().firstValueAsLong("Content-Length").orElse(0);
        x.sendResponseHeaders(r.statusCode(), length == 0 ? -1 : length);
        return new Forwarded(r.body(), length);
    }

    /** The upstream body and its length. */
    record Forwarded(InputStream body, long length) {
    }
}
