package io.jcri.image;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an image record keeps of an image's free-form metadata (manifest annotations, config labels): at most
 * {@link #MAX_BYTES} of keys and values each, in document order. A manifest may carry megabytes of them, which
 * every ListImages would otherwise repeat; what does not fit is dropped with a log line, the image stays usable.
 */
final class MetadataBudget {
    static final int MAX_BYTES = 64 << 10;
    private static final Logger LOG = LoggerFactory.getLogger(MetadataBudget.class);

    private MetadataBudget() {
    }

    /**
     * The entries of {@code all} that fit, in order.
     *
     * @param what  what they are ("manifest annotations"), for the log
     * @param image the image they belong to, for the log
     */
    static Map<String, String> fit(Map<String, String> all, String what, Object image) {
        Map<String, String> kept = new LinkedHashMap<>();
        long used = 0;
        int dropped = 0;
        for (Map.Entry<String, String> e : all.entrySet()) {
            long size = e.getKey().getBytes(StandardCharsets.UTF_8).length
                    + e.getValue().getBytes(StandardCharsets.UTF_8).length;
            if (used + size <= MAX_BYTES) {
                kept.put(e.getKey(), e.getValue());
                used += size;
            } else {
                dropped++;
            }
        }
        if (dropped > 0) {
            LOG.warn("image {}: dropped {} of {} {} beyond the {} bytes an image record keeps", image, dropped,
                    all.size(), what, MAX_BYTES);
        }
        return kept;
    }
}
