package io.jcri.e2e.bench;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Prints the figures of one or more runtimes side by side, with the ratio of the first to the second. */
final class BenchmarkTable {
    private BenchmarkTable() {
    }

    static String render(List<String> names, List<Results> results) {
        Set<String> labels = new LinkedHashSet<>();
        results.forEach(r -> labels.addAll(r.figures().keySet()));
        int width = labels.stream().mapToInt(String::length).max().orElse(10);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "| %-" + width + "s |", "figure"));
        names.forEach(n -> sb.append(String.format(Locale.ROOT, " %12s |", n)));
        if (names.size() == 2) {
            sb.append(String.format(Locale.ROOT, " %12s |", names.get(0) + "/" + names.get(1)));
        }
        sb.append('\n').append("| ").append("-".repeat(width)).append(" |");
        names.forEach(n -> sb.append(" ").append("-".repeat(12)).append(":|"));
        if (names.size() == 2) {
            sb.append(" ").append("-".repeat(12)).append(":|");
        }
        sb.append('\n');
        for (String label : labels) {
            sb.append(String.format(Locale.ROOT, "| %-" + width + "s |", label));
            for (Results r : results) {
                sb.append(String.format(Locale.ROOT, " %12s |", format(r.figures().get(label))));
            }
            if (results.size() == 2) {
                Map<String, Double> a = results.get(0).figures();
                Map<String, Double> b = results.get(1).figures();
                Double ratio = a.containsKey(label) && b.containsKey(label) && b.get(label) != 0
                        ? a.get(label) / b.get(label) : null;
                sb.append(String.format(Locale.ROOT, " %12s |", format(ratio)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String format(Double v) {
        if (v == null || v.isNaN()) {
            return "-";
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.2f", v);
    }
}
