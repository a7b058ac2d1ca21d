package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ContainerState;
import io.jcri.cri.v1.ContainerStatusRequest;
import io.jcri.cri.v1.CreateContainerRequest;
import io.jcri.cri.v1.ExecSyncResponse;
import io.jcri.cri.v1.ListContainersRequest;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.LinuxPodSandboxConfig;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.RunPodSandboxRequest;
import io.jcri.cri.v1.StartContainerRequest;
import io.jcri.cri.v1.StopPodSandboxRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What kubelet and a hostile pod spec do that critest never tries: exec probes whose command leaves a child
 * holding its output, status reads during a long graceful stop, a create racing the pod's teardown, and sysctl
 * names that climb out of their namespace.
 */
class PodSafetyTest {
    @BeforeEach
    void needsRoot() {
        CountedDaemon.assumeUsable();
    }

    @Test
    void execProbesWithBackgroundChildrenAnswerPromptlyAndLeakNothing() throws Exception {
        try (CountedDaemon rig = new CountedDaemon("pexec", 120, Map.of()); CriClients c = rig.client()) {
            rig.pull(c);
            PodSandboxConfig pod = Pods.config("probe").build();
            String podId = Pods.run(c, pod);
            String id = Containers.run(c, podId, pod, Containers.config("c", CountedDaemon.IMAGE, "sleep", "1000"));
            Containers.exec(c, id, 10, "true");
            long pid = rig.jcri().process().pid();
            long threads = threads(pid);
            long fds = fds(pid);
            for (int i = 0; i < 10; i++) {
                long start = System.nanoTime();
                ExecSyncResponse r = Containers.exec(c, id, 20, "sh", "-c", "sleep 600 & echo ok");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
                assertThat(r.getStdout().toStringUtf8()).isEqualTo("ok\n");
                assertThat(r.getExitCode()).isZero();
            }
            // A few threads of the daemon's pools may come and go; two per call would be 20.
            assertThat(threads(pid)).isLessThan(threads + 6);
            assertThat(fds(pid)).isLessThan(fds + 6);
        }
    }

    @Test
    void statusListAndExecAnswerWhileAContainerIgnoringSigtermIsStopped() throws Exception {
        try (CountedDaemon rig = new CountedDaemon("pstop", 121, Map.of()); CriClients c = rig.client()) {
            rig.pull(c);
            PodSandboxConfig pod = Pods.config("stubborn").build();
            String podId = Pods.run(c, pod);
            String id = Containers.run(c, podId, pod, Containers.config("c", CountedDaemon.IMAGE, "sh", "-c",
                    "trap '' TERM; while true; do sleep 1; done"));
            var pool = Executors.newVirtualThreadPerTaskExecutor();
            try {
                CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> Containers.stop(c, id, 6), pool);
                Thread.sleep(500);
                long slowest = 0;
                while (!stop.isDone()) {
                    long start = System.nanoTime();
                    c.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build());
                    c.runtime().listContainers(ListContainersRequest.getDefaultInstance());
                    c.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance());
                    try {
                        Containers.exec(c, id, 5, "true");
                    } catch (StatusRuntimeException e) {
                        // The SIGKILL at the end of the grace period landed between the loop's check and the exec.
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                        assertThat(Containers.status(c, id).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
                    }
                    slowest = Math.max(slowest, System.nanoTime() - start);
                    Thread.sleep(200);
                }
                stop.get(30, TimeUnit.SECONDS);
                // a read that waited for the stop would take the rest of its 6 s grace period
                assertThat(Duration.ofNanos(slowest)).isLessThan(Duration.ofSeconds(3));
                assertThat(Containers.status(c, id).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
                assertThat(Containers.status(c, id).getExitCode()).isEqualTo(137);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aCreateRacingTheTeardownOfItsPodLeavesNothingRunning() throws Exception {
        try (CountedDaemon rig = new CountedDaemon("prace", 122, Map.of()); CriClients c = rig.client()) {
            rig.pull(c);
            var pool = Executors.newVirtualThreadPerTaskExecutor();
            try {
                for (int round = 0; round < 8; round++) {
                    PodSandboxConfig pod = Pods.config("race" + round).build();
                    String podId = Pods.run(c, pod);
                    CompletableFuture<String> create = CompletableFuture.supplyAsync(() ->
                            c.runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(podId)
                                    .setSandboxConfig(pod).setConfig(Containers.config("c", CountedDaemon.IMAGE,
                                            "sleep", "1000")).build()).getContainerId(), pool);
                    Thread.sleep(round * 40L);
                    c.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
                    String id;
                    try {
                        id = create.get(60, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOfSatisfying(StatusRuntimeException.class,
                                s -> assertThat(s.getStatus().getCode()).isIn(Status.Code.FAILED_PRECONDITION,
                                        Status.Code.NOT_FOUND));
                        id = null;
                    }
                    if (id != null) {
                        String created = id;
                        assertThatThrownBy(() -> c.runtime().startContainer(StartContainerRequest.newBuilder()
                                .setContainerId(created).build())).isInstanceOfSatisfying(
                                StatusRuntimeException.class, s -> assertThat(s.getStatus().getCode())
                                        .isEqualTo(Status.Code.FAILED_PRECONDITION));
                        assertThat(Containers.status(c, created).getState())
                                .isIn(ContainerState.CONTAINER_CREATED, ContainerState.CONTAINER_EXITED);
                    }
                    Pods.stopAndRemove(c, podId);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(c.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList())
                    .isEmpty();
            CountedDaemon.Footprint left = rig.footprint();
            assertThat(left.conmons()).isZero();
            assertThat(left.containerDirs()).isZero();
        }
    }

    @Test
    void aHostPathWithANulByteIsRefusedAndLeavesNoMount() throws Exception {
        try (CountedDaemon rig = new CountedDaemon("pnul", 124, Map.of()); CriClients c = rig.client()) {
            rig.pull(c);
            PodSandboxConfig pod = Pods.config("nul").build();
            String podId = Pods.run(c, pod);
            CountedDaemon.Footprint before = rig.footprint();
            assertThatThrownBy(() -> Containers.create(c, podId, pod, Containers.config("c", CountedDaemon.IMAGE,
                    "sleep", "1000").addMounts(io.jcri.cri.v1.Mount.newBuilder().setContainerPath("/data")
                    .setHostPath("/tmp/x\0y")))).isInstanceOfSatisfying(StatusRuntimeException.class,
                    s -> assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
            assertThat(rig.footprint()).isEqualTo(before);
            assertThat(Files.readString(Path.of("/proc/self/mountinfo")))
                    .doesNotContain(rig.jcri().dir().resolve("lib/containers").toString());
        }
    }

    @Test
    void sysctlNamesThatClimbOutOfThePodAreRefusedBeforeAnythingIsWritten() throws Exception {
        Path corePattern = Path.of("/proc/sys/kernel/core_pattern");
        String before = Files.readString(corePattern);
        try (CountedDaemon rig = new CountedDaemon("psysctl", 123, Map.of()); CriClients c = rig.client()) {
            List<String> refused = new ArrayList<>();
            for (String name : List.of("net/../kernel/core_pattern", "net.ipv4/../../kernel/core_pattern",
                    "net/./../kernel/core_pattern", "kernel/shmmax/../core_pattern")) {
                PodSandboxConfig pod = Pods.config("sysctl" + refused.size()).setLinux(LinuxPodSandboxConfig
                        .newBuilder(Pods.config("x").getLinux()).putSysctls(name, "|/tmp/jcri-pwned %p")).build();
                assertThatThrownBy(() -> c.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder()
                        .setConfig(pod).build())).as(name).isInstanceOfSatisfying(StatusRuntimeException.class,
                        s -> assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
                refused.add(name);
            }
            assertThat(refused).hasSize(4);
            assertThat(c.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList())
                    .isEmpty();
        }
        assertThat(Files.readString(corePattern)).isEqualTo(before);
    }

    private static long threads(long pid) throws Exception {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                .filter(l -> l.startsWith("Threads:")).mapToLong(l -> Long.parseLong(l.substring(8).strip()))
                .findFirst().orElseThrow();
    }

    private static long fds(long pid) throws Exception {
        try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return s.count();
        }
    }
}
