package io.jcri.e2e.bench;

import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ContainerStatusRequest;
import io.jcri.cri.v1.ExecSyncRequest;
import io.jcri.cri.v1.ImageFsInfoRequest;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.ImageStatusRequest;
import io.jcri.cri.v1.ListContainerStatsRequest;
import io.jcri.cri.v1.ListContainersRequest;
import io.jcri.cri.v1.ListImagesRequest;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.PodSandboxStatusRequest;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.cri.v1.RemoveImageRequest;
import io.jcri.e2e.CallTimes;
import io.jcri.e2e.bench.BenchPods.Pod;
import io.jcri.e2e.bench.KubeletLoad.PodContainer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Measures one CRI runtime through its socket, and its processes through /proc, so the same code measures jcri and
 * containerd: pod start, concurrent pod start, ExecSync, status calls, listing with many containers, a cold pull;
 * then on a node of many running pods, the memory of the runtime and of the processes it keeps per pod, kubelet's
 * steady state, and a restart. It asserts nothing; it returns figures for {@link BenchmarkTable}.
 */
final class CriBenchmark {
    /** The node the bytes allocated per call are measured on (the soak of issue 23 ran 20 pods). */
    private static final int ALLOCATION_PODS = 20;
    private static final List<String> SLEEP = BenchPods.SLEEP;
    private static final List<String> TRUE = BenchPods.TRUE;

    private final BenchDaemon daemon;
    private final CpuCgroup cgroup;
    private final BenchSettings settings;
    private final Results results = new Results();
    private final BenchPods pods;
    private CriClients cri;

    /** {@code cgroup} holds the daemon (and gets it again after a restart), for the CPU of all its processes. */
    CriBenchmark(BenchDaemon daemon, CpuCgroup cgroup, BenchSettings settings) {
        this.daemon = daemon;
        this.cgroup = cgroup;
        this.settings = settings;
        this.pods = new BenchPods(() -> cri, settings.image(), settings.runtimeHandler());
    }

    /** Runs every measurement in a fixed order and returns the figures. */
    Results run() throws Exception {
        cri = CriClients.connect(daemon.endpoint());
        try {
            pull(settings.image());
            results.put("memory idle: runtime PSS (MiB)", kibToMib(ProcessMemory.daemonPssKib(daemon.pid())));
            results.put("memory idle: runtime RSS (MiB)", kibToMib(ProcessMemory.rssKib(daemon.pid())));
            if (settings.measures("pod-start")) {
                podStart();
            }
            if (settings.measures("exec")) {
                execSync();
            }
            if (settings.measures("status")) {
                statuses();
            }
            if (settings.measures("concurrent")) {
                concurrentPods();
            }
            if (settings.measures("list")) {
                listing();
            }
            if (settings.measures("pull")) {
                coldPull();
            }
            if (settings.measures("alloc") && daemon instanceof JcriDaemon) {
                allocation();
            }
            if (settings.measures("restart")) {
                restart(0);
            }
            if (settings.measures("memory") || settings.measures("steady") || settings.measures("restart")) {
                node();
            }
        } finally {
            cri.close();
            pods.removeCgroups();
        }
        return results;
    }

    private void podStart() {
        Samples sandbox = new Samples();
        Samples container = new Samples();
        Samples whole = new Samples();
        for (int i = 0; i < settings.runs(); i++) {
            long t0 = System.nanoTime();
            Pod pod = pods.run();
            long t1 = System.nanoTime();
            pods.start(pod, "c", SLEEP);
            long t2 = System.nanoTime();
            sandbox.addNanos(t1 - t0);
            container.addNanos(t2 - t1);
            whole.addNanos(t2 - t0);
            pods.remove(pod);
        }
        results.putSamples("RunPodSandbox (ms)", sandbox);
        results.putSamples("Create+Start container (ms)", container);
        results.putSamples("whole pod start (ms)", whole);
    }

    private void execSync() {
        Pod pod = pods.run();
        try {
            String ctr = pods.start(pod, "exec", SLEEP);
            Samples s = new Samples();
            for (int i = 0; i < settings.runs(); i++) {
                long t0 = System.nanoTime();
                int code = cri.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(ctr)
                        .addAllCmd(TRUE).setTimeout(10).build()).getExitCode();
                s.addNanos(System.nanoTime() - t0);
                if (code != 0) {
                    throw new IllegalStateException("exec true exited " + code + " on " + daemon.name());
                }
            }
            results.putSamples("ExecSync true (ms)", s);
        } finally {
            pods.remove(pod);
        }
    }

    /** The status calls kubelet makes of one pod and its container, and ListImages, on an otherwise idle node. */
    private void statuses() {
        Pod pod = pods.run();
        try {
            String ctr = pods.start(pod, "status", SLEEP);
            Samples container = new Samples();
            Samples sandbox = new Samples();
            Samples images = new Samples();
            for (int i = 0; i < settings.listWarmUp() + settings.runs(); i++) {
                long[] t = statusRound(pod, ctr);
                if (i >= settings.listWarmUp()) {
                    container.addNanos(t[0]);
                    sandbox.addNanos(t[1]);
                    images.addNanos(t[2]);
                }
            }
            results.put("ContainerStatus: median (ms)", container.median());
            results.put("PodSandboxStatus: median (ms)", sandbox.median());
            results.put("ListImages: median (ms)", images.median());
            // The same calls again once thousands were made: what a node sees after its first minutes.
            Samples[] warm = {new Samples(), new Samples(), new Samples()};
            for (int i = settings.listWarmUp() + settings.runs(); i < settings.warmJitCalls() + settings.runs(); i++) {
                long[] t = statusRound(pod, ctr);
                if (i >= settings.warmJitCalls()) {
                    for (int k = 0; k < warm.length; k++) {
                        warm[k].addNanos(t[k]);
                    }
                }
            }
            String after = " after " + settings.warmJitCalls() + " calls: median (ms)";
            results.put("ContainerStatus" + after, warm[0].median());
            results.put("PodSandboxStatus" + after, warm[1].median());
            results.put("ListImages" + after, warm[2].median());
        } finally {
            pods.remove(pod);
        }
    }

    /** One ContainerStatus, PodSandboxStatus and ListImages: their durations in nanoseconds, in that order. */
    private long[] statusRound(Pod pod, String ctr) {
        long t0 = System.nanoTime();
        cri.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(ctr).build());
        long t1 = System.nanoTime();
        cri.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod.id()).build());
        long t2 = System.nanoTime();
        cri.images().listImages(ListImagesRequest.getDefaultInstance());
        return new long[] {t1 - t0, t2 - t1, System.nanoTime() - t2};
    }

    private void concurrentPods() throws Exception {
        int n = settings.concurrentPods();
        List<Pod> podList = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
            List<Future<Pod>> started = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                started.add(pool.submit(() -> {
                    Pod pod = pods.run();
                    pods.start(pod, "c", SLEEP);
                    return pod;
                }));
            }
            for (Future<Pod> f : started) {
                podList.add(f.get(10, TimeUnit.MINUTES));
            }
            results.put(n + " pods started concurrently: wall (ms)", (System.nanoTime() - t0) / 1e6);
        } finally {
            podList.forEach(pods::remove);
        }
    }

    private void listing() {
        int perPod = 10;
        int podCount = Math.max(1, settings.listContainers() / perPod);
        List<Pod> podList = new ArrayList<>();
        try {
            for (int p = 0; p < podCount; p++) {
                Pod pod = pods.run();
                podList.add(pod);
                for (int c = 0; c < perPod; c++) {
                    pods.create(pod, "l" + c, SLEEP);
                }
            }
            // Kubelet lists every second (PLEG relist), so the figure is the steady state: the first calls, which
            // a JIT-compiled runtime spends warming up, are not counted.
            for (int i = 0; i < settings.listWarmUp(); i++) {
                cri.runtime().listContainers(ListContainersRequest.getDefaultInstance());
                cri.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance());
            }
            Samples containers = new Samples();
            Samples sandboxes = new Samples();
            for (int i = 0; i < settings.runs(); i++) {
                long t0 = System.nanoTime();
                cri.runtime().listContainers(ListContainersRequest.getDefaultInstance());
                long t1 = System.nanoTime();
                cri.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance());
                long t2 = System.nanoTime();
                containers.addNanos(t1 - t0);
                sandboxes.addNanos(t2 - t1);
            }
            results.put("ListContainers, " + podCount * perPod + " containers: median (ms)", containers.median());
            results.put("ListPodSandbox, " + podCount + " pods: median (ms)", sandboxes.median());
        } finally {
            podList.forEach(pods::remove);
        }
    }

    /**
     * The bytes the daemon's JVM allocates per call, on a node of {@link #ALLOCATION_PODS} pods, each call made
     * {@code 10 * runs} times after as many unmeasured ones: over kubelet's long-lived channel, and through a new
     * connection per call validated with ImageFsInfo as crictl does. Only a JVM can say this (jcri, not
     * containerd).
     */
    private void allocation() throws Exception {
        List<PodContainer> fleet = new ArrayList<>();
        try (DaemonAllocation heap = DaemonAllocation.attach(daemon.pid())) {
            pods.grow(fleet, ALLOCATION_PODS);
            String ctr = fleet.getFirst().containerId();
            long reading = heap.readingCost(settings.runs());
            int calls = 10 * settings.runs();
            String label = "allocated per call, " + fleet.size() + " pods: ";
            results.put(label + "one reading of the counter (KiB)", reading / 1024.0);
            allocated(heap, reading, calls, label + "ExecSync (KiB)", () -> cri.runtime().execSync(
                    ExecSyncRequest.newBuilder().setContainerId(ctr).addAllCmd(TRUE).setTimeout(10).build()));
            allocated(heap, reading, calls, label + "ListContainers (KiB)",
                    () -> cri.runtime().listContainers(ListContainersRequest.getDefaultInstance()));
            allocated(heap, reading, calls, label + "ListPodSandbox (KiB)",
                    () -> cri.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()));
            allocated(heap, reading, calls, label + "ContainerStatus (KiB)", () -> cri.runtime().containerStatus(
                    ContainerStatusRequest.newBuilder().setContainerId(ctr).build()));
            allocated(heap, reading, calls, label + "ListContainerStats (KiB)",
                    () -> cri.runtime().listContainerStats(ListContainerStatsRequest.getDefaultInstance()));
            allocated(heap, reading, calls, label + "ImageFsInfo (KiB)",
                    () -> cri.images().imageFsInfo(ImageFsInfoRequest.getDefaultInstance()));
            allocated(heap, reading, calls, label + "new connection + ImageFsInfo (KiB)", () -> {
                try (CriClients fresh = CriClients.connect(daemon.endpoint())) {
                    fresh.images().imageFsInfo(ImageFsInfoRequest.getDefaultInstance());
                }
            });
        } finally {
            pods.shrink(fleet);
        }
    }

    private void allocated(DaemonAllocation heap, long readingCost, int calls, String label, Runnable call) {
        for (int i = 0; i < calls; i++) {
            call.run();
        }
        long before = heap.allocatedBytes();
        for (int i = 0; i < calls; i++) {
            call.run();
        }
        results.put(label, (heap.allocatedBytes() - before - readingCost) / 1024.0 / calls);
    }

    private void coldPull() {
        String ref = settings.pullImage();
        Samples seconds = new Samples();
        long bytes = 0;
        for (int i = 0; i < settings.pullRuns(); i++) {
            cri.images().removeImage(RemoveImageRequest.newBuilder().setImage(spec(ref)).build());
            long t0 = System.nanoTime();
            pull(ref);
            seconds.addNanos(System.nanoTime() - t0);
            bytes = cri.images().imageStatus(ImageStatusRequest.newBuilder().setImage(spec(ref)).build())
                    .getImage().getSize();
        }
        // Samples hold milliseconds; the median pull gives the throughput.
        results.put("cold pull " + bytes / (1024 * 1024) + " MiB: throughput (MB/s)",
                bytes / 1e3 / seconds.median());
        cri.images().removeImage(RemoveImageRequest.newBuilder().setImage(spec(ref)).build());
    }

    /**
     * A node filled with running pods of one container each: memory at each pod count, then kubelet's steady state
     * and a restart with the largest. The pods are removed at the end whatever failed.
     */
    private void node() throws Exception {
        List<PodContainer> fleet = new ArrayList<>();
        try {
            if (settings.measures("memory")) {
                for (int n : settings.podCounts()) {
                    pods.grow(fleet, n);
                    memory("memory " + n + " pods");
                }
            }
            if (settings.measures("steady")) {
                pods.grow(fleet, settings.nodePods());
                steady(fleet);
            }
            if (settings.measures("restart")) {
                pods.grow(fleet, settings.nodePods());
                restart(fleet.size());
            }
        } finally {
            pods.shrink(fleet);
        }
    }

    /** PSS of the daemon and of the processes the runtime keeps for its pods, right now. */
    private void memory(String label) {
        long runtime = ProcessMemory.daemonPssKib(daemon.pid());
        long perPod = ProcessMemory.pssKib(ProcessTable.read().perPod(daemon));
        results.put(label + ": runtime PSS (MiB)", kibToMib(runtime));
        results.put(label + ": per-pod processes PSS (MiB)", kibToMib(perPod));
        results.put(label + ": runtime + per-pod PSS (MiB)", kibToMib(runtime + perPod));
    }

    /** Kubelet's steady state on the full node: latency of its calls, then CPU and memory of the runtime. */
    private void steady(List<PodContainer> fleet) throws Exception {
        String label = "steady, " + fleet.size() + " pods: ";
        // A node's runtime has served this load for long: the first of it, while the JIT compiles, is not measured.
        KubeletLoad.run(cri, fleet, settings.steadyWarmUp(), settings.kubeletPeriod(), TRUE);
        Set<Long> perPod = ProcessTable.read().perPod(daemon);
        Map<Long, Double> perPodCpu0 = new HashMap<>();
        perPod.forEach(pid -> perPodCpu0.put(pid, ProcessCpu.seconds(pid)));
        double daemonCpu0 = ProcessCpu.seconds(daemon.pid());
        double allCpu0 = cgroup.seconds();
        long t0 = System.nanoTime();
        CallTimes times = KubeletLoad.run(cri, fleet, settings.steadyFor(), settings.kubeletPeriod(), TRUE);
        double minutes = (System.nanoTime() - t0) / 60e9;
        double daemonCpu = ProcessCpu.seconds(daemon.pid()) - daemonCpu0;
        double perPodCpu = perPodCpu0.entrySet().stream()
                .mapToDouble(e -> Math.max(0, ProcessCpu.seconds(e.getKey()) - e.getValue())).sum();
        double allCpu = cgroup.seconds() - allCpu0;
        for (String rpc : List.of("ListPodSandbox", "ListContainers", "ListContainerStats", "ListPodSandboxStats",
                "PodSandboxStatus", "ContainerStatus", "ExecSync probe")) {
            results.putCalls(label, times, rpc);
        }
        results.put(label + "daemon CPU (s/min)", daemonCpu / minutes);
        results.put(label + "per-pod processes CPU (s/min)", perPodCpu / minutes);
        results.put(label + "all runtime processes CPU (s/min)", allCpu / minutes);
        memory(label.substring(0, label.length() - 2));
        results.put(label + "per-pod processes (count)", perPod.size());
        if (!times.failures().isEmpty()) {
            System.err.println(daemon.name() + " steady-state failures: " + times.failures());
            results.put(label + "failed calls (count)", times.failures().size());
        }
    }

    /** Stops the daemon with {@code running} pods running and times its start to the first full answer. */
    private void restart(int running) throws Exception {
        cri.close();
        daemon.stop();
        double millis = FirstAnswer.millis(daemon, running);
        cgroup.add(daemon.pid());
        cri = CriClients.connect(daemon.endpoint());
        results.put("restart with " + running + " pods: start to first answered call (ms)", millis);
    }

    private void pull(String ref) {
        cri.images().pullImage(PullImageRequest.newBuilder().setImage(spec(ref)).build());
    }

    private static ImageSpec spec(String ref) {
        return ImageSpec.newBuilder().setImage(ref).build();
    }

    private static double kibToMib(long kib) {
        return kib / 1024.0;
    }
}
