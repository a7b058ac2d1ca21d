package io.jcri.server.streaming;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits the resize stream, a sequence of JSON objects {@code {"Width":w,"Height":h}} that may arrive cut at any
 * byte, into terminal sizes.
 */
final class ResizeDecoder {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_PENDING = 4096;

    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private int depth;

    /** A terminal size in columns and rows. */
    record Size(int width, int height) {
    }

    /** Feeds bytes; returns the sizes completed by them. */
    List<Size> feed(byte[] data) throws IOException {
        List<Size> sizes = new ArrayList<>();
        for (byte b : data) {
            if (depth == 0 && b != '{') {
                continue;
            }
            pending.write(b);
            if (b == '{') {
                depth++;
            } else if (b == '}' && --depth == 0) {
                sizes.add(parse(pending.toString(StandardCharsets.UTF_8)));
                pending.reset();
            }
            if (pending.size() > MAX_PENDING) {
                throw new IOException("resize message longer than " + MAX_PENDING + " bytes");
            }
        }
        return sizes;
    }

    private static Size parse(String json) throws IOException {
        JsonNode n = JSON.readTree(json);
        return new Size(n.path("Width").asInt(), n.path("Height").asInt());
    }
}
