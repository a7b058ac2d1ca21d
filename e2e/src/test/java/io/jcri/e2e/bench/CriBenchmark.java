package io.jcri.e2e.bench;

import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.ContainerMetadata;
import io.jcri.cri.v1.CreateContainerRequest;
import io.jcri.cri.v1.ExecSyncRequest;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.ImageStatusRequest;
import io.jcri.cri.v1.LinuxPodSandboxConfig;
import io.jcri.cri.v1.ListContainersRequest;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxMetadata;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.cri.v1.RemoveImageRequest;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.RunPodSandboxRequest;
import io.jcri.cri.v1.StartContainerRequest;
import io.jcri.cri.v1.StopPodSandboxRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Measures one CRI runtime through its socket only, so the same code measures jcri and containerd: pod start,
 * concurrent pod start, ExecSync, listing with many containers, a cold pull, and the memory of the runtime and its
 * per-container monitors. It asserts nothing; it returns figures for {@link BenchmarkTable}.
 */
final class CriBenchmark {
    /** Commands name busybox by path: the bench image has no applet links. */
    private static final List<String> SLEEP = List.of("/bin/busybox", "sleep", "3600");

    private final BenchTarget target;
    private final BenchSettings settings;
    private final Results results = new Results();
    private final String runId = UUID.randomUUID().toString().substring(0, 8);
    private int podSeq;

    CriBenchmark(BenchTarget target, BenchSettings settings) {
        this.target = target;
        this.settings = settings;
    }

    /** Runs every measurement in a fixed order and returns the figures. */
    Results run() throws Exception {
        try (CriClients cri = CriClients.connect(target.endpoint())) {
            pull(cri, settings.image());
            results.put("memory idle: runtime RSS (MiB)", kibToMib(ProcessMemory.rssKib(target.daemonPid())));
            if (settings.measures("pod-start")) {
                podStart(cri);
            }
            if (settings.measures("exec")) {
                execSync(cri);
            }
            if (settings.measures("concurrent")) {
                concurrentPods(cri);
            }
            if (settings.measures("memory")) {
                memoryWithPods(cri, settings.memoryPodsSmall());
                memoryWithPods(cri, settings.memoryPodsLarge());
            }
            if (settings.measures("list")) {
                listing(cri);
            }
            if (settings.measures("pull")) {
                coldPull(cri);
            }
        }
        return results;
    }

    private void podStart(CriClients cri) {
        Samples sandbox = new Samples();
        Samples container = new Samples();
        Samples whole = new Samples();
        for (int i = 0; i < settings.runs(); i++) {
            long t0 = System.nanoTime();
            Pod pod = runPod(cri);
            long t1 = System.nanoTime();
            startContainer(cri, pod, "c", SLEEP);
            long t2 = System.nanoTime();
            sandbox.addNanos(t1 - t0);
            container.addNanos(t2 - t1);
            whole.addNanos(t2 - t0);
            removePod(cri, pod);
        }
        results.putSamples("RunPodSandbox (ms)", sandbox);
        results.putSamples("Create+Start container (ms)", container);
        results.putSamples("whole pod start (ms)", whole);
    }

    private void execSync(CriClients cri) {
        Pod pod = runPod(cri);
        try {
            String ctr = startContainer(cri, pod, "exec", SLEEP);
            Samples s = new Samples();
            for (int i = 0; i < settings.runs(); i++) {
                long t0 = System.nanoTime();
                int code = cri.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(ctr)
                        .addAllCmd(List.of("/bin/busybox", "true")).setTimeout(10).build()).getExitCode();
                s.addNanos(System.nanoTime() - t0);
                if (code != 0) {
                    throw new IllegalStateException("exec true exited " + code + " on " + target.name());
                }
            }
            results.putSamples("ExecSync true (ms)", s);
        } finally {
            removePod(cri, pod);
        }
    }

    private void concurrentPods(CriClients cri) throws Exception {
        int n = settings.concurrentPods();
        List<Pod> pods = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
            List<Future<Pod>> started = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                started.add(pool.submit(() -> {
                    Pod pod = runPod(cri);
                    startContainer(cri, pod, "c", SLEEP);
                    return pod;
                }));
            }
            for (Future<Pod> f : started) {
                pods.add(f.get(10, TimeUnit.MINUTES));
            }
            results.put(n + " pods started concurrently: wall (ms)", (System.nanoTime() - t0) / 1e6);
        } finally {
            pods.forEach(p -> removePod(cri, p));
        }
    }

    private void memoryWithPods(CriClients cri, int n) {
        List<Pod> pods = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                Pod pod = runPod(cri);
                pods.add(pod);
                startContainer(cri, pod, "c", SLEEP);
            }
            long daemon = ProcessMemory.rssKib(target.daemonPid());
            long monitors = ProcessMemory.rssKib(target.monitor());
            results.put("memory " + n + " pods: runtime RSS (MiB)", kibToMib(daemon));
            results.put("memory " + n + " pods: monitors RSS (MiB)", kibToMib(monitors));
            results.put("memory " + n + " pods: runtime+monitors (MiB)", kibToMib(daemon + monitors));
        } finally {
            pods.forEach(p -> removePod(cri, p));
        }
    }

    private void listing(CriClients cri) {
        int perPod = 10;
        int podCount = Math.max(1, settings.listContainers() / perPod);
        List<Pod> pods = new ArrayList<>();
        try {
            for (int p = 0; p < podCount; p++) {
                Pod pod = runPod(cri);
                pods.add(pod);
                for (int c = 0; c < perPod; c++) {
                    createContainer(cri, pod, "l" + c, SLEEP);
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
            pods.forEach(p -> removePod(cri, p));
        }
    }

    private void coldPull(CriClients cri) {
        String ref = settings.pullImage();
        Samples seconds = new Samples();
        long bytes = 0;
        for (int i = 0; i < settings.pullRuns(); i++) {
            cri.images().removeImage(RemoveImageRequest.newBuilder().setImage(spec(ref)).build());
            long t0 = System.nanoTime();
            pull(cri, ref);
            seconds.addNanos(System.nanoTime() - t0);
            bytes = cri.images().imageStatus(ImageStatusRequest.newBuilder().setImage(spec(ref)).build())
                    .getImage().getSize();
        }
        // Samples hold milliseconds; the median pull gives the throughput.
        results.put("cold pull " + bytes / (1024 * 1024) + " MiB: throughput (MB/s)",
                bytes / 1e3 / seconds.median());
        cri.images().removeImage(RemoveImageRequest.newBuilder().setImage(spec(ref)).build());
    }

    private void pull(CriClients cri, String ref) {
        cri.images().pullImage(PullImageRequest.newBuilder().setImage(spec(ref)).build());
    }

    /** A running pod sandbox and the config it was made with (CreateContainer sends it again). */
    private record Pod(String id, PodSandboxConfig config) {
    }

    private Pod runPod(CriClients cri) {
        String name = "bench-" + runId + "-" + nextPod();
        PodSandboxConfig cfg = podConfig(name);
        return new Pod(cri.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(cfg)
                .setRuntimeHandler(settings.runtimeHandler()).build()).getPodSandboxId(), cfg);
    }

    private synchronized int nextPod() {
        return podSeq++;
    }

    private PodSandboxConfig podConfig(String name) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("bench")
                        .setUid(UUID.nameUUIDFromBytes(name.getBytes()).toString()))
                .setHostname(name.length() > 63 ? name.substring(0, 63) : name)
                .setLogDirectory("/var/log/pods/bench_" + name)
                .setLinux(LinuxPodSandboxConfig.getDefaultInstance())
                .build();
    }

    private String createContainer(CriClients cri, Pod pod, String name, List<String> cmd) {
        ContainerConfig cfg = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(spec(settings.image()))
                .addAllCommand(cmd)
                .setLogPath(name + ".log")
                .build();
        return cri.runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(pod.id())
                .setConfig(cfg).setSandboxConfig(pod.config()).build()).getContainerId();
    }

    private String startContainer(CriClients cri, Pod pod, String name, List<String> cmd) {
        String id = createContainer(cri, pod, name, cmd);
        cri.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    private void removePod(CriClients cri, Pod pod) {
        cri.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod.id()).build());
        cri.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod.id()).build());
    }

    private static ImageSpec spec(String ref) {
        return ImageSpec.newBuilder().setImage(ref).build();
    }

    private static double kibToMib(long kib) {
        return kib / 1024.0;
    }
}
