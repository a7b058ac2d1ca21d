package io.jcri.e2e.bench;

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

    Map<String, Double> figures() {
        return figures;
    }
}
