package io.jcri.e2e.bench;

import io.jcri.e2e.bench.SoakRun.Result;
import io.jcri.e2e.bench.SoakRun.Sample;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;

/**
 * The long run's memory over time as a plain SVG line chart: per runtime, the daemon's PSS (solid) and the daemon's
 * plus its per-pod processes' PSS (dashed), and for a JVM its committed heap (dotted).
 */
final class SoakChart {
    private static final int WIDTH = 860;
    private static final int HEIGHT = 460;
    private static final int LEFT = 60;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    /** Below the plot: the minutes, the axis's title, then up to three rows of legend. */
    private static final int BOTTOM = 110;
    private static final List<String> COLOURS = List.of("#c0392b", "#2c6fbb", "#27ae60", "#8e44ad");

    private SoakChart() {
    }

    static String svg(List<Result> runs) {
        double maxSeconds = runs.stream().flatMap(r -> r.samples().stream()).mapToDouble(Sample::seconds).max()
                .orElse(60);
        double maxMib = runs.stream().flatMap(r -> r.samples().stream())
                .mapToDouble(s -> (s.daemonPss() + s.perPodPss()) / 1024.0).max().orElse(100);
        double yStep = niceStep(maxMib / 5);
        double yMax = Math.ceil(maxMib / yStep) * yStep;
        double minutes = maxSeconds / 60;
        double xStep = niceStep(minutes / 6);
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        b.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"14\">Memory over the long run "
                + "(PSS, MiB)</text>%n", LEFT));
        for (double y = 0; y <= yMax + 1e-9; y += yStep) {
            double py = yPixel(y, yMax);
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>%n", LEFT, py, WIDTH - RIGHT, py,
                    LEFT - 6, py + 4, y));
        }
        for (double x = 0; x <= minutes + 1e-9; x += xStep) {
            double px = xPixel(x * 60, maxSeconds);
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", px, TOP, px, HEIGHT - BOTTOM,
                    px, HEIGHT - BOTTOM + 16, trim(x)));
        }
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">minutes after the "
                + "daemon's restart</text>%n", LEFT + (WIDTH - LEFT - RIGHT) / 2, HEIGHT - BOTTOM + 34));
        int legend = 0;
        for (int i = 0; i < runs.size(); i++) {
            Result r = runs.get(i);
            String colour = COLOURS.get(i % COLOURS.size());
            legend = line(b, r, Sample::daemonPss, colour, "", r.runtime() + " daemon", maxSeconds, yMax, legend);
            legend = line(b, r, s -> s.daemonPss() + s.perPodPss(), colour, "6,4",
                    r.runtime() + " daemon + per-pod processes", maxSeconds, yMax, legend);
            if (r.samples().stream().anyMatch(s -> s.heapCommitted() > 0)) {
                legend = line(b, r, Sample::heapCommitted, colour, "2,3", r.runtime() + " heap committed",
                        maxSeconds, yMax, legend);
            }
        }
        return b.append("</svg>\n").toString();
    }

    /** Draws one series and its legend entry; returns the next legend slot. */
    private static int line(StringBuilder b, Result r, ToLongFunction<Sample> kib, String colour, String dash,
                            String label, double maxSeconds, double yMax, int legend) {
        StringBuilder points = new StringBuilder();
        for (Sample s : r.samples()) {
            points.append(String.format(Locale.ROOT, "%.1f,%.1f ", xPixel(s.seconds(), maxSeconds),
                    yPixel(kib.applyAsLong(s) / 1024.0, yMax)));
        }
        String dashes = dash.isEmpty() ? "" : " stroke-dasharray=\"" + dash + "\"";
        b.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s "
                + "points=\"%s\"/>%n", colour, dashes, points.toString().strip()));
        int lx = LEFT + 10 + (legend % 3) * 260;
        int ly = HEIGHT - BOTTOM + 60 + (legend / 3) * 16;
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                + "stroke-width=\"2\"%s/><text x=\"%d\" y=\"%d\">%s</text>%n", lx, ly - 4, lx + 24, ly - 4, colour,
                dashes, lx + 30, ly, label));
        return legend + 1;
    }

    private static double xPixel(double seconds, double maxSeconds) {
        return LEFT + seconds / maxSeconds * (WIDTH - LEFT - RIGHT);
    }

    private static double yPixel(double mib, double yMax) {
        return HEIGHT - BOTTOM - mib / yMax * (HEIGHT - TOP - BOTTOM);
    }

    /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
    private static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-3))));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= raw) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }
}
