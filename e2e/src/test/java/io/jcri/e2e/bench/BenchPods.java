package io.jcri.e2e.bench;

import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.ContainerMetadata;
import io.jcri.cri.v1.CreateContainerRequest;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.LinuxPodSandboxConfig;
import io.jcri.cri.v1.LinuxSandboxSecurityContext;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.NamespaceOption;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxMetadata;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.RunPodSandboxRequest;
import io.jcri.cri.v1.StartContainerRequest;
import io.jcri.cri.v1.StopPodSandboxRequest;
import io.jcri.e2e.bench.KubeletLoad.PodContainer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Pods made the way kubelet makes them, through whichever client the harness holds at the moment (a restart gives
 * it a new one), with the cgroup parents kubelet would give them: the pods of every benchmark.
 */
final class BenchPods {
    /** Commands name busybox by path: the bench image has no applet links. */
    static final List<String> SLEEP = List.of("/bin/busybox", "sleep", "3600");
    static final List<String> TRUE = List.of("/bin/busybox", "true");
    /** The pods' own processes, which are no cost of the runtime (the pause stand-in sleeps longer). */
    static final Set<String> WORKLOAD = Set.of(String.join(" ", SLEEP), String.join(" ", TRUE));
    /** Pods of the node are started and removed this many at a time (not measured). */
    private static final int FLEET_THREADS = 4;

    /** A running pod sandbox and the config it was made with (CreateContainer sends it again). */
    record Pod(String id, PodSandboxConfig config) {
    }

    private final Supplier<CriClients> cri;
    private final String image;
    private final String runtimeHandler;
    private final String runId = UUID.randomUUID().toString().substring(0, 8);
    private final PodCgroups cgroups = new PodCgroups(runId);
    private int podSeq;

    BenchPods(Supplier<CriClients> cri, String image, String runtimeHandler) {
        this.cri = cri;
        this.image = image;
        this.runtimeHandler = runtimeHandler;
    }

    Pod run() {
        String name = "bench-" + runId + "-" + nextPod();
        PodSandboxConfig cfg = podConfig(name);
        return new Pod(cri.get().runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(cfg)
                .setRuntimeHandler(runtimeHandler).build()).getPodSandboxId(), cfg);
    }

    private synchronized int nextPod() {
        return podSeq++;
    }

    /**
     * A pod as kubelet asks for one by default: its own network and IPC, a PID namespace per container, a cgroup
     * parent of its own.
     */
    private PodSandboxConfig podConfig(String name) {
        String uid = UUID.nameUUIDFromBytes(name.getBytes()).toString();
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("bench").setUid(uid))
                .setHostname(name.length() > 63 ? name.substring(0, 63) : name)
                .setLogDirectory("/var/log/pods/bench_" + name)
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(cgroups.parentOf(uid))
                        .setSecurityContext(LinuxSandboxSecurityContext
                        .newBuilder().setNamespaceOptions(NamespaceOption.newBuilder()
                                .setNetwork(NamespaceMode.POD).setIpc(NamespaceMode.POD)
                                .setPid(NamespaceMode.CONTAINER))))
                .build();
    }

    String create(Pod pod, String name, List<String> cmd) {
        ContainerConfig cfg = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .addAllCommand(cmd)
                .setLogPath(name + ".log")
                .build();
        return cri.get().runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(pod.id())
                .setConfig(cfg).setSandboxConfig(pod.config()).build()).getContainerId();
    }

    String start(Pod pod, String name, List<String> cmd) {
        String id = create(pod, name, cmd);
        cri.get().runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    void remove(Pod pod) {
        remove(pod.id());
    }

    void remove(String id) {
        cri.get().runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        cri.get().runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    }

    /** Starts pods of one sleeping container each, a few at a time, until {@code fleet} holds {@code n}. */
    void grow(List<PodContainer> fleet, int n) throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(FLEET_THREADS)) {
            List<Future<PodContainer>> started = new ArrayList<>();
            for (int i = fleet.size(); i < n; i++) {
                started.add(pool.submit(() -> {
                    Pod pod = run();
                    try {
                        return new PodContainer(pod.id(), start(pod, "c", SLEEP));
                    } catch (RuntimeException e) {
                        remove(pod);
                        throw e;
                    }
                }));
            }
            Exception failure = null;
            for (Future<PodContainer> f : started) {
                try {
                    fleet.add(f.get(10, TimeUnit.MINUTES));
                } catch (Exception e) {
                    failure = failure == null ? e : failure;
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }

    /** Removes every pod of {@code fleet}, a few at a time. */
    void shrink(List<PodContainer> fleet) throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(FLEET_THREADS)) {
            List<Future<?>> removed = new ArrayList<>();
            for (PodContainer p : fleet) {
                removed.add(pool.submit(() -> remove(p.podId())));
            }
            for (Future<?> f : removed) {
                f.get(10, TimeUnit.MINUTES);
            }
        }
        fleet.clear();
    }

    /** Removes the pods' cgroup parents; run once every pod is gone. */
    void removeCgroups() throws IOException {
        cgroups.remove();
    }
}
