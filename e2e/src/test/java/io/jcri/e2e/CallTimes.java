package io.jcri.e2e;

import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * How long each kind of CRI call took and which ones failed, collected from many client threads at once, with
 * the percentiles of each kind for a report.
 */
public final class CallTimes {
    private static final int KEPT_FAILURES = 3;
    private static final int FAILURE_TEXT = 200;

    private final Map<String, List<Long>> nanos = new ConcurrentHashMap<>();
    private final Map<String, List<String>> failures = new ConcurrentHashMap<>();

    /** The count and percentiles of one kind of call. */
    public record Summary(int count, Duration p50, Duration p99, Duration max) {
    }

    /** The calls of all of {@code parts} together (failures left out): the whole of a run kept per minute. */
    public static CallTimes merged(Collection<CallTimes> parts) {
        CallTimes all = new CallTimes();
        for (CallTimes part : parts) {
            part.nanos.forEach((rpc, list) -> {
                synchronized (list) {
                    list.forEach(n -> all.record(rpc, n));
                }
            });
        }
        return all;
    }

    /** Runs {@code call}, recording its time under {@code rpc} whether it succeeds or fails. */
    public <T> T time(String rpc, Supplier<T> call) {
        long start = System.nanoTime();
        try {
            return call.get();
        } finally {
            record(rpc, System.nanoTime() - start);
        }
    }

    /** Records one call of {@code rpc} that took {@code elapsedNanos}, for a caller that times calls itself. */
    public void record(String rpc, long elapsedNanos) {
        nanos.computeIfAbsent(rpc, k -> Collections.synchronizedList(new ArrayList<>())).add(elapsedNanos);
    }

    public void failed(String rpc, String what) {
        failures.computeIfAbsent(rpc, k -> Collections.synchronizedList(new ArrayList<>()))
                .add(what.length() > FAILURE_TEXT ? what.substring(0, FAILURE_TEXT) + "..." : what);
    }

    public void failed(String rpc, StatusRuntimeException e) {
        failed(rpc, e.getStatus().getCode() + " " + e.getStatus().getDescription());
    }

    public Summary summary(String rpc) {
        List<Long> sorted;
        List<Long> times = nanos.getOrDefault(rpc, List.of());
        synchronized (times) {
            sorted = new ArrayList<>(times);
        }
        if (sorted.isEmpty()) {
            return new Summary(0, Duration.ZERO, Duration.ZERO, Duration.ZERO);
        }
        Collections.sort(sorted);
        return new Summary(sorted.size(), Duration.ofNanos(percentile(sorted, 50)),
                Duration.ofNanos(percentile(sorted, 99)), Duration.ofNanos(sorted.getLast()));
    }

    private static long percentile(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    /** The kinds of call seen, in name order. */
    public List<String> rpcs() {
        return List.copyOf(new TreeMap<>(nanos).keySet());
    }

    /** Failures by kind of call, at most a few kept per kind, with how many there were. */
    public Map<String, String> failures() {
        Map<String, String> out = new TreeMap<>();
        failures.forEach((rpc, list) -> {
            synchronized (list) {
                out.put(rpc, list.size() + " failed, e.g. " + list.subList(0, Math.min(KEPT_FAILURES, list.size())));
            }
        });
        return out;
    }

    /** One line per kind of call: count, p50, p99 and max in milliseconds. */
    String table() {
        StringBuilder b = new StringBuilder(String.format("%-34s %7s %8s %8s %8s%n", "call", "count", "p50 ms",
                "p99 ms", "max ms"));
        for (String rpc : rpcs()) {
            Summary s = summary(rpc);
            b.append(String.format("%-34s %7d %8d %8d %8d%n", rpc, s.count(), s.p50().toMillis(), s.p99().toMillis(),
                    s.max().toMillis()));
        }
        return b.toString();
    }
}
