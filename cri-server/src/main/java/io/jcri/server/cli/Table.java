package io.jcri.server.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A text table with left-aligned columns three spaces apart, as docker and crictl print them. */
final class Table {
    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
        rows.add(header);
    }

    Table row(Object... cells) {
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            r[i] = String.valueOf(cells[i]);
        }
        rows.add(r);
        return this;
    }

    void print(PrintWriter out) {
        int columns = rows.getFirst().length;
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int i = 0; i < columns; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(r[i]);
                if (i < columns - 1) {
                    line.append(" ".repeat(width[i] - r[i].length() + 3));
                }
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }

    /** The first 13 characters of an ID, as crictl shows them. */
    static String shortId(String id) {
        String hex = id.startsWith("sha256:") ? id.substring(7) : id;
        return hex.length() > 13 ? hex.substring(0, 13) : hex;
    }

    /** Bytes in decimal units, as crictl shows sizes. */
    static String size(long bytes) {
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        double v = bytes;
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return u == 0 ? bytes + "B" : String.format("%.3g%s", v, units[u]);
    }

    /** How long ago a CRI timestamp (nanoseconds since the epoch) was. */
    static String ago(long epochNanos, long nowNanos) {
        if (epochNanos <= 0) {
            return "-";
        }
        Duration d = Duration.ofNanos(Math.max(0, nowNanos - epochNanos));
        if (d.toSeconds() < 60) {
            return d.toSeconds() + " seconds ago";
        }
        if (d.toMinutes() < 60) {
            return d.toMinutes() + " minutes ago";
        }
        if (d.toHours() < 48) {
            return d.toHours() + " hours ago";
        }
        return d.toDays() + " days ago";
    }
}
