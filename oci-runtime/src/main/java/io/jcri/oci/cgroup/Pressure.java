package io.jcri.oci.cgroup;

import java.util.Optional;

/**
 * Pressure stall information (PSI) of one cgroup: how long its tasks waited for CPU, memory and I/O, from cgroup
 * v2's {@code cpu.pressure}, {@code memory.pressure} and {@code io.pressure}. A host with cgroup v1 has them in the
 * v2 tree mounted beside the v1 hierarchies (runc makes every container's cgroup there too). A resource without a
 * file (no v2 tree, a kernel without PSI) is empty.
 *
 * @param cpu    CPU stalls
 * @param memory memory stalls
 * @param io     I/O stalls
 */
public record Pressure(Optional<Stall> cpu, Optional<Stall> memory, Optional<Stall> io) {
    /** Nothing known: no v2 tree, or no PSI in the kernel. */
    public static final Pressure NONE = new Pressure(Optional.empty(), Optional.empty(), Optional.empty());

    /**
     * One resource's stalls.
     *
     * @param some time at least one task waited
     * @param full time all non-idle tasks waited at once
     */
    public record Stall(Window some, Window full) {
    }

    /**
     * Stalled time as the kernel gives it.
     *
     * @param avg10       percent of the last 10 seconds
     * @param avg60       percent of the last 60 seconds
     * @param avg300      percent of the last 300 seconds
     * @param totalMicros stalled microseconds since the cgroup was made
     */
    public record Window(double avg10, double avg60, double avg300, long totalMicros) {
        static final Window ZERO = new Window(0, 0, 0, 0);
    }

    /**
     * Parses a pressure file, {@code some avg10=0.12 avg60=0.05 avg300=0.01 total=1234} and the same for
     * {@code full}; a line not of that form is left out, a line missing (before Linux 5.13 the root's cpu.pressure
     * had no {@code full}) reads as zero, and a file without either as empty.
     */
    static Optional<Stall> parse(String text) {
        Window some = null;
        Window full = null;
        for (String line : text.split("\n")) {
            String[] fields = line.strip().split(" ");
            Window w = fields.length == 5 ? window(fields) : null;
            if (w != null && fields[0].equals("some")) {
                some = w;
            } else if (w != null && fields[0].equals("full")) {
                full = w;
            }
        }
        if (some == null && full == null) {
            return Optional.empty();
        }
        return Optional.of(new Stall(some == null ? Window.ZERO : some, full == null ? Window.ZERO : full));
    }

    /** {@code avg10= avg60= avg300= total=} after the line's first word; null when any is missing or malformed. */
    private static Window window(String[] fields) {
        try {
            return new Window(value(fields[1], "avg10="), value(fields[2], "avg60="), value(fields[3], "avg300="),
                    Long.parseLong(text(fields[4], "total=")));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static double value(String field, String key) {
        return Double.parseDouble(text(field, key));
    }

    /** The value after {@code key}; empty (which no number parses) when the field is another key's. */
    private static String text(String field, String key) {
        return field.startsWith(key) ? field.substring(key.length()) : "";
    }
}
