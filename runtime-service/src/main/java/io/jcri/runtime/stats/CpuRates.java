package io.jcri.runtime.stats;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * CPU usage in nano-cores, worked out from two readings of a cumulative CPU time counter. The reading a rate is
 * measured against is kept per key (container or pod id) and only replaced once it is at least {@code minInterval}
 * old, so callers polling close together (kubelet and crictl at once) still see a rate over a useful window.
 */
final class CpuRates {
    private record Reading(long usageNanos, long atNanos) {
    }

    private final ConcurrentMap<String, Reading> previous = new ConcurrentHashMap<>();
    private final long minIntervalNanos;

    CpuRates(Duration minInterval) {
        this.minIntervalNanos = minInterval.toNanos();
    }

    /**
     * The average nano-cores of {@code key} between its kept reading and this one; empty for the first reading
     * or when the counter went backwards (a new cgroup under the same key).
     */
    OptionalLong nanoCores(String key, long usageNanos, long atNanos) {
        Reading now = new Reading(usageNanos, atNanos);
        Reading[] before = new Reading[1];
        previous.compute(key, (k, old) -> {
            before[0] = old;
            boolean keep = old != null && old.usageNanos() <= usageNanos && atNanos - old.atNanos() < minIntervalNanos;
            return keep ? old : now;
        });
        Reading old = before[0];
        if (old == null || old.usageNanos() > usageNanos || atNanos <= old.atNanos()) {
            return OptionalLong.empty();
        }
        double cores = (double) (usageNanos - old.usageNanos()) / (atNanos - old.atNanos());
        return OptionalLong.of(Math.round(cores * 1_000_000_000L));
    }

    /** Forgets the readings of keys not in {@code live}. */
    void retain(Set<String> live) {
        previous.keySet().retainAll(live);
    }
}
