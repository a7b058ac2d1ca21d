package io.jcri.e2e.bench;

import io.jcri.e2e.CallTimes;
import io.jcri.e2e.bench.SoakRun.Result;
import io.jcri.e2e.bench.SoakRun.Sample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * What the long run gives: {@code soak-samples.csv} (one row per sample and runtime), {@code soak-calls.csv} (p50,
 * p99 and max of every call per minute and runtime), {@code soak-memory.svg} (the chart docs/performance.md shows)
 * and the summary table, side by side with ratios. Whether the daemon's memory keeps rising is judged on PSS,
 * comparing the mean of the run's last third with that of its middle third (the first third holds the start).
 */
final class SoakReport {
    /** Rising by more than this from the middle third to the last is rising. */
    static final double RISE_LIMIT = 1.10;
    private static final double WINDOW_SECONDS = 600;

    private SoakReport() {
    }

    /** Writes the files into {@code dir} and returns the summary. */
    static String write(Path dir, List<Result> runs) throws IOException {
        Files.createDirectories(dir);
        StringBuilder samples = new StringBuilder("runtime,seconds,daemon_pss_kib,daemon_rss_kib,per_pod_pss_kib,"
                + "per_pod_rss_kib,per_pod_processes,heap_committed_kib,heap_used_kib,threads,fds,daemon_cpu_s,"
                + "per_pod_cpu_s,all_cpu_s\n");
        StringBuilder calls = new StringBuilder("runtime,minute,call,count,p50_ms,p99_ms,max_ms\n");
        for (Result r : runs) {
            r.samples().forEach(s -> samples.append(row(r.runtime(), s)));
            r.minutes().forEach((minute, times) -> times.rpcs().forEach(rpc -> {
                CallTimes.Summary c = times.summary(rpc);
                calls.append(String.format(Locale.ROOT, "%s,%d,%s,%d,%.2f,%.2f,%.2f%n", r.runtime(), minute, rpc,
                        c.count(), ms(c.p50().toNanos()), ms(c.p99().toNanos()), ms(c.max().toNanos())));
            }));
        }
        Files.writeString(dir.resolve("soak-samples.csv"), samples);
        Files.writeString(dir.resolve("soak-calls.csv"), calls);
        Files.writeString(dir.resolve("soak-memory.svg"), SoakChart.svg(runs));
        List<Results> figures = runs.stream().map(SoakReport::figures).toList();
        return BenchmarkTable.render(runs.stream().map(Result::runtime).toList(), figures);
    }

    /** One line of {@code soak-samples.csv}. */
    static String row(String runtime, Sample s) {
        return String.format(Locale.ROOT, "%s,%.1f,%d,%d,%d,%d,%d,%d,%d,%d,%d,%.2f,%.2f,%.2f%n", runtime, s.seconds(),
                s.daemonPss(), s.daemonRss(), s.perPodPss(), s.perPodRss(), s.perPodCount(), s.heapCommitted(),
                s.heapUsed(), s.threads(), s.fds(), s.daemonCpu(), s.perPodCpu(), s.allCpu());
    }

    /** The daemon's PSS over the last third of the run divided by that over its middle third. */
    static double rise(List<Sample> samples) {
        int n = samples.size();
        return mean(samples.subList(2 * n / 3, n), Sample::daemonPss) / mean(samples.subList(n / 3, 2 * n / 3),
                Sample::daemonPss);
    }

    private static Results figures(Result r) {
        List<Sample> s = r.samples();
        int n = s.size();
        Sample first = s.getFirst();
        Sample last = s.getLast();
        double minutes = (last.seconds() - first.seconds()) / 60;
        List<Sample> middle = s.subList(n / 3, 2 * n / 3);
        List<Sample> end = s.subList(2 * n / 3, n);
        List<Sample> window = s.stream().filter(x -> x.seconds() >= last.seconds() - WINDOW_SECONDS).toList();
        double windowMean = mean(window, Sample::daemonPss);
        Results f = new Results();
        f.put("restart with the pods: first full answer (ms)", r.restartMillis());
        f.put("daemon PSS: first sample (MiB)", mib(first.daemonPss()));
        f.put("daemon PSS: max (MiB)", mib(s.stream().mapToLong(Sample::daemonPss).max().orElse(0)));
        f.put("daemon PSS: middle third, mean (MiB)", mib(mean(middle, Sample::daemonPss)));
        f.put("daemon PSS: last third, mean (MiB)", mib(mean(end, Sample::daemonPss)));
        f.put("daemon PSS: last third / middle third", rise(s));
        f.put("daemon PSS: last 10 min, lowest vs mean (%)",
                100 * (window.stream().mapToLong(Sample::daemonPss).min().orElse(0) / windowMean - 1));
        f.put("daemon PSS: last 10 min, highest vs mean (%)",
                100 * (window.stream().mapToLong(Sample::daemonPss).max().orElse(0) / windowMean - 1));
        f.put("daemon RSS: last third, mean (MiB)", mib(mean(end, Sample::daemonRss)));
        f.put("per-pod processes PSS: last third, mean (MiB)", mib(mean(end, Sample::perPodPss)));
        f.put("daemon + per-pod PSS: last third, mean (MiB)", mib(mean(end, x -> x.daemonPss() + x.perPodPss())));
        f.put("per-pod processes (count)", last.perPodCount());
        if (last.heapCommitted() > 0) {
            f.put("heap committed: max (MiB)", mib(s.stream().mapToLong(Sample::heapCommitted).max().orElse(0)));
            f.put("heap used: max (MiB)", mib(s.stream().mapToLong(Sample::heapUsed).max().orElse(0)));
        }
        f.put("daemon threads: last", last.threads());
        f.put("daemon descriptors: last", last.fds());
        f.put("daemon CPU (s/min)", (last.daemonCpu() - first.daemonCpu()) / minutes);
        f.put("all runtime processes CPU (s/min)", (last.allCpu() - first.allCpu()) / minutes);
        // calls: the first minute (a fresh daemon) apart from the rest (warm)
        List<CallTimes> warm = new ArrayList<>();
        r.minutes().forEach((m, t) -> {
            if (m > 0) {
                warm.add(t);
            }
        });
        CallTimes warmTimes = CallTimes.merged(warm);
        CallTimes firstMinute = r.minutes().getOrDefault(0, new CallTimes());
        for (String rpc : new TreeSet<>(warmTimes.rpcs())) {
            CallTimes.Summary w = warmTimes.summary(rpc);
            f.put(rpc + ": p50 (ms)", ms(w.p50().toNanos()));
            f.put(rpc + ": p99 (ms)", ms(w.p99().toNanos()));
            CallTimes.Summary c = firstMinute.summary(rpc);
            if (c.count() > 0) {
                f.put(rpc + ": first minute p50 / later p50", c.p50().toNanos() / (double) w.p50().toNanos());
            }
        }
        Set<String> failed = new TreeSet<>();
        r.minutes().forEach((m, t) -> t.failures().forEach((rpc, what) -> {
            failed.add(rpc);
            System.err.println(r.runtime() + ", minute " + m + ": " + rpc + ": " + what);
        }));
        f.put("failed calls (kinds)", failed.size());
        return f;
    }

    private static double mean(List<Sample> samples, ToDoubleFunction<Sample> value) {
        return samples.stream().mapToDouble(value).average().orElse(Double.NaN);
    }

    private static double mib(double kib) {
        return kib / 1024;
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
