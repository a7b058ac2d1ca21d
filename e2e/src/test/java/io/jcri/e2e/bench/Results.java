package io.jcri.e2e.bench;

import io.jcri.e2e.CallTimes;
import java.util.LinkedHashMap;
import java.util.Map;

/** The figures of one runtime, by label, in the order they were measured. */
final class Results {
    private final Map<String, Double> figures = new LinkedHashMap<>();

    void put(String label, double value) {
        figures.put(label, value);
    }

    /** A repeated step as two rows: median and p95 (label ends with its unit in brackets). */
    void putSamples(String label, Samples s) {
        int unit = label.lastIndexOf(" (");
        String name = unit < 0 ? label : label.substring(0, unit);
        String suffix = unit < 0 ? "" : label.substring(unit);
        figures.put(name + ": median" + suffix, s.median());
        figures.put(name + ": p95" + suffix, s.p95());
    }

    /** The calls of one kind made under load as two rows, median and p99, in milliseconds. */
    void putCalls(String prefix, CallTimes times, String rpc) {
        CallTimes.Summary s = times.summary(rpc);
        figures.put(prefix + rpc + ": median (ms)", s.count() == 0 ? Double.NaN : s.p50().toNanos() / 1e6);
        figures.put(prefix + rpc + ": p99 (ms)", s.count() == 0 ? Double.NaN : s.p99().toNanos() / 1e6);
    }

    Map<String, Double> figures() {
        return figures;
    }
}
