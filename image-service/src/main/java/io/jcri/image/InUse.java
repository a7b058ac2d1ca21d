package io.jcri.image;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Blobs and layers that a pull in progress has claimed but no image record names yet, so garbage collection
 * leaves them alone. Collection holds this object's monitor while it decides and deletes; a pull claims before it
 * looks at the store, so it never sees something that is about to vanish.
 */
final class InUse {
    private final Map<String, Integer> counts = new HashMap<>();

    synchronized void claim(String key) {
        counts.merge(key, 1, Integer::sum);
    }

    synchronized void release(Collection<String> keys) {
        for (String k : keys) {
            counts.computeIfPresent(k, (x, n) -> n == 1 ? null : n - 1);
        }
    }

    /** Called with this object's monitor held (by garbage collection). */
    Set<String> keys() {
        return Set.copyOf(counts.keySet());
    }
}
