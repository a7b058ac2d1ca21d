package io.jcri.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk usage of each entry of one directory (unpacked layers, blobs, container writable layers), kept so that
 * reading it walks nothing: an entry is measured when the code that changed it says so ({@link #measure}),
 * dropped when it is removed ({@link #forget}), and {@link #sweep} measures every entry again at a bounded rate to
 * correct what no one reported (a container writing into its layer, a crash between a change and its report).
 * An entry not measured yet counts as empty.
 */
public final class KeptUsage {
    private static final Logger LOG = LoggerFactory.getLogger(KeptUsage.class);

    private final Path root;
    private final String inside;
    private final Clock clock;
    private final ConcurrentMap<String, DiskUsage> entries = new ConcurrentHashMap<>();

    /**
     * @param root   the directory whose entries are measured
     * @param inside what is measured of an entry: {@code ""} for all of it, or a path under it ({@code upper})
     */
    public KeptUsage(Path root, String inside, Clock clock) {
        this.root = root;
        this.inside = inside;
        this.clock = clock;
    }

    /** Measures entry {@code name} now (a walk of it alone) and keeps the result. */
    public void measure(String name) {
        Path dir = pathOf(name);
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            entries.remove(name);
            return;
        }
        try {
            DiskUsage u = DiskUsage.measure(dir);
            entries.put(name, new DiskUsage(dir, u.usedBytes(), u.inodesUsed(), nanos()));
        } catch (IOException e) {
            LOG.warn("measuring {}: {}", dir, e.getMessage());
        }
    }

    /** Drops entry {@code name} (removed). */
    public void forget(String name) {
        entries.remove(name);
    }

    /** Drops every entry not in {@code live}. */
    public void retain(Set<String> live) {
        entries.keySet().retainAll(live);
    }

    /** What entry {@code name} used when last measured; zero when it never was. */
    public DiskUsage of(String name) {
        DiskUsage u = entries.get(name);
        return u != null ? u : new DiskUsage(pathOf(name), 0, 0, nanos());
    }

    /** The sum over every entry, reported against the root and stamped now. */
    public DiskUsage total() {
        long bytes = 0;
        long inodes = 0;
        for (DiskUsage u : entries.values()) {
            bytes += u.usedBytes();
            inodes += u.inodesUsed();
        }
        return new DiskUsage(root, bytes, inodes, nanos());
    }

    /**
     * Measures every entry the root holds now, one after the other with {@code pause} between two, and forgets
     * those that are gone: the correction of drift, run in the background. An entry removed while it was being
     * measured may be kept until the next sweep.
     */
    public void sweep(Duration pause) throws InterruptedException {
        Set<String> present = new HashSet<>();
        try (Stream<Path> s = Files.list(root)) {
            s.forEach(p -> present.add(p.getFileName().toString()));
        } catch (IOException e) {
            LOG.warn("listing {} to measure it: {}", root, e.getMessage());
            return;
        }
        entries.keySet().retainAll(present);
        for (String name : present) {
            measure(name);
            Thread.sleep(pause);
        }
    }

    private Path pathOf(String name) {
        Path entry = root.resolve(name);
        return inside.isEmpty() ? entry : entry.resolve(inside);
    }

    private long nanos() {
        return clock.millis() * 1_000_000L;
    }
}
