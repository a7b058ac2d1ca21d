package io.jcri.e2e.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Durations of repeated runs of one step, in milliseconds, with the order statistics the table prints. */
final class Samples {
    private final List<Double> millis = new ArrayList<>();

    void addNanos(long nanos) {
        millis.add(nanos / 1e6);
    }

    int count() {
        return millis.size();
    }

    double median() {
        return percentile(50);
    }

    double p95() {
        return percentile(95);
    }

    /** Nearest-rank percentile; NaN when there are no samples. */
    double percentile(double p) {
        if (millis.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }
}
