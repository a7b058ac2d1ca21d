package io.jcri.runtime.stats;

import io.jcri.image.DiskUsage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The bytes and inodes of container writable layers. Walking a layer is expensive, so a measurement is reused for
 * {@code maxAge}; stats calls come every few seconds from kubelet and the numbers change slowly.
 */
final class LayerUsage {
    private final ConcurrentMap<Path, DiskUsage> cache = new ConcurrentHashMap<>();
    private final Clock clock;
    private final long maxAgeNanos;

    LayerUsage(Clock clock, Duration maxAge) {
        this.clock = clock;
        this.maxAgeNanos = maxAge.toNanos();
    }

    /** The usage under {@code dir}, at most {@code maxAge} old. */
    DiskUsage of(Path dir) throws IOException {
        DiskUsage cached = cache.get(dir);
        long now = StatsClock.nanos(clock);
        if (cached != null && now - cached.timestampNanos() < maxAgeNanos) {
            return cached;
        }
        DiskUsage fresh = DiskUsage.measure(dir);
        DiskUsage stamped = new DiskUsage(fresh.mountpoint(), fresh.usedBytes(), fresh.inodesUsed(), now);
        cache.put(dir, stamped);
        return stamped;
    }

    /** Forgets the measurements of directories not in {@code live}. */
    void retain(Set<Path> live) {
        cache.keySet().retainAll(live);
    }
}
