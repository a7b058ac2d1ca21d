package io.jcri.e2e.bench;

import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.e2e.CallTimes;
import io.jcri.e2e.bench.KubeletLoad.PodContainer;
import io.jcri.e2e.bench.KubeletLoad.Probe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The long run of one runtime: a node of {@code pods} pods of one container each, then the daemon restarted as a
 * node's runtime is after an upgrade (so the first minute is the first minute of a daemon), then kubelet's load
 * over one long-lived channel and a crictl-style client opening a connection per command, side by side, for
 * {@code length}. Every {@code samplePeriod} the memory, threads, descriptors and CPU of the daemon and of its
 * per-pod processes are sampled; every call is timed into the minute it ended in.
 */
final class SoakRun {
    /** A third of the probes leave a child behind them (its output not held: both runtimes then answer at once). */
    private static final List<String> PROBE_WITH_CHILD = List.of("/bin/busybox", "sh", "-c",
            "/bin/busybox sleep 5 </dev/null >/dev/null 2>&1 & echo ok");
    private static final Duration KUBELET_PERIOD = Duration.ofSeconds(10);
    private static final Duration CRICTL_PERIOD = Duration.ofSeconds(1);

    /**
     * How much to run: pods on the node, how long, how often to sample, the containers' image, other images the
     * node holds (pulled first, not run), and where the report goes (each sample is also appended there as it is
     * taken, to {@code soak-samples.partial.csv}, so that a run cut short leaves what it measured).
     */
    record Settings(int pods, Duration length, Duration samplePeriod, String image, List<String> storedImages,
                    Path out) {
    }

    /**
     * One sample. Memory in KiB: the daemon's PSS (its own installation's files counted whole, see
     * {@link ProcessMemory#daemonPssKib}) and RSS, the per-pod processes' summed PSS and RSS, the daemon's heap if
     * it is a JVM; CPU seconds used so far by the daemon, by the per-pod processes running now, and by everything
     * the runtime started (its CPU cgroup).
     */
    record Sample(double seconds, long daemonPss, long daemonRss, long perPodPss, long perPodRss, int perPodCount,
                  long heapCommitted, long heapUsed, long threads, long fds, double daemonCpu, double perPodCpu,
                  double allCpu) {
    }

    /** What one run gave: the samples in order and the calls of each minute (0 is the first), in order. */
    record Result(String runtime, double restartMillis, List<Sample> samples, Map<Integer, CallTimes> minutes) {
    }

    private final BenchDaemon daemon;
    private final CpuCgroup cgroup;
    private final Settings settings;
    private final List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
    private final Map<Integer, CallTimes> minutes = new ConcurrentSkipListMap<>();
    private CriClients cri;
    private long start;

    SoakRun(BenchDaemon daemon, CpuCgroup cgroup, Settings settings) {
        this.daemon = daemon;
        this.cgroup = cgroup;
        this.settings = settings;
    }

    Result run() throws Exception {
        cri = CriClients.connect(daemon.endpoint());
        BenchPods pods = new BenchPods(() -> cri, settings.image(), "");
        List<PodContainer> fleet = new ArrayList<>();
        try {
            for (String ref : Stream.concat(Stream.of(settings.image()), settings.storedImages().stream()).toList()) {
                cri.images().pullImage(PullImageRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(ref)).build());
            }
            pods.grow(fleet, settings.pods());
            cri.close();
            daemon.stop();
            double restart = FirstAnswer.millis(daemon, fleet.size());
            cgroup.add(daemon.pid());
            cri = CriClients.connect(daemon.endpoint());
            load(fleet);
            return new Result(daemon.name(), restart, List.copyOf(samples),
                    Collections.unmodifiableSortedMap(new TreeMap<>(minutes)));
        } finally {
            try {
                pods.shrink(fleet);
            } finally {
                cri.close();
                pods.removeCgroups();
            }
        }
    }

    private void load(List<PodContainer> fleet) throws Exception {
        start = System.nanoTime();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        ExecutorService crictl = Executors.newSingleThreadExecutor();
        try {
            sampler.scheduleAtFixedRate(this::sample, 0, settings.samplePeriod().toNanos(), TimeUnit.NANOSECONDS);
            Future<?> tools = crictl.submit(() -> {
                CrictlLoad.run(daemon.endpoint(), settings.length(), CRICTL_PERIOD, this::minute);
                return null;
            });
            KubeletLoad.run(cri, fleet, settings.length(), KUBELET_PERIOD,
                    i -> i % 3 == 2 ? new Probe("ExecSync probe (background child)", PROBE_WITH_CHILD)
                            : new Probe("ExecSync probe", BenchPods.TRUE),
                    this::minute);
            tools.get(2, TimeUnit.MINUTES);
        } finally {
            sampler.shutdownNow();
            sampler.awaitTermination(1, TimeUnit.MINUTES);
            crictl.shutdownNow();
        }
        sample();
    }

    /** The calls of the minute now running. */
    private CallTimes minute() {
        int m = (int) ((System.nanoTime() - start) / TimeUnit.MINUTES.toNanos(1));
        return minutes.computeIfAbsent(m, k -> new CallTimes());
    }

    private void sample() {
        try {
            long pid = daemon.pid();
            Set<Long> perPod = ProcessTable.read().perPod(daemon);
            JvmHeap heap = JvmHeap.of(pid);
            Sample s = new Sample((System.nanoTime() - start) / 1e9, ProcessMemory.daemonPssKib(pid),
                    ProcessMemory.rssKib(pid), ProcessMemory.pssKib(perPod),
                    perPod.stream().mapToLong(ProcessMemory::rssKib).sum(), perPod.size(), heap.committedKib(),
                    heap.usedKib(), threads(pid), fds(pid), ProcessCpu.seconds(pid), ProcessCpu.seconds(perPod),
                    cgroup.seconds());
            samples.add(s);
            Files.createDirectories(settings.out());
            Files.writeString(settings.out().resolve("soak-samples.partial.csv"), SoakReport.row(daemon.name(), s),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException | RuntimeException e) {
            // a periodic task that throws is never run again: one lost sample is reported, not the rest
            System.err.println(daemon.name() + ": sample failed: " + e);
        }
    }

    private static long threads(long pid) {
        try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return s.count();
        } catch (IOException gone) {
            return 0;
        }
    }

    private static long fds(long pid) {
        try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return s.count();
        } catch (IOException gone) {
            return 0;
        }
    }
}
