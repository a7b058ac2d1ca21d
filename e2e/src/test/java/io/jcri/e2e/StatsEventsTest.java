package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ContainerEventResponse;
import io.jcri.cri.v1.ContainerEventType;
import io.jcri.cri.v1.ContainerMetrics;
import io.jcri.cri.v1.ContainerStats;
import io.jcri.cri.v1.ContainerStatsFilter;
import io.jcri.cri.v1.ContainerStatsRequest;
import io.jcri.cri.v1.ContainerStatus;
import io.jcri.cri.v1.GetEventsRequest;
import io.jcri.cri.v1.LinuxContainerConfig;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.cri.v1.ListContainerStatsRequest;
import io.jcri.cri.v1.ListMetricDescriptorsRequest;
import io.jcri.cri.v1.ListPodSandboxMetricsRequest;
import io.jcri.cri.v1.Metric;
import io.jcri.cri.v1.NetworkInterfaceUsage;
import io.jcri.cri.v1.MetricDescriptor;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxMetrics;
import io.jcri.cri.v1.PodSandboxState;
import io.jcri.cri.v1.PodSandboxStats;
import io.jcri.cri.v1.PodSandboxStatsRequest;
import io.jcri.cri.v1.RemoveContainerRequest;
import io.jcri.cri.v1.RunPodSandboxRequest;
import io.jcri.cri.v1.StatusRequest;
import io.jcri.cri.v1.StatusResponse;
import io.jcri.cri.v1.UpdatePodSandboxResourcesRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stats, metrics and events through a real jcri: counters that rise while a container burns CPU and holds memory,
 * the pod's view of them (cgroup, network, processes), kubelet's metrics, and the four events of a container's life
 * seen in order by two subscribers at once.
 */
class StatsEventsTest {
    private static final String IMAGE = "fixtures.jcri.test/e2e/busybox-stats:1";
    private static final List<String> APPLETS = List.of("cat", "head", "sleep", "tr", "true", "ping");
    private static final long MB = 1 << 20;
    /** Pressure files of a cgroup v2 tree: the root's, or on a v1 host the tree mounted beside the hierarchies. */
    private static final boolean PSI_TREE = Files.exists(Path.of("/sys/fs/cgroup/cpu.pressure"))
            || Files.exists(Path.of("/sys/fs/cgroup/unified/cpu.pressure"));

    private static FixtureDaemon fixture;
    private static JcriProcess jcri;
    private static CriClients cri;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(JcriProcess.isRoot(), "e2e stats and events tests need root: skipped");
        assumeTrue(LocalRegistry.available(), "docker-registry is not installed: skipped");
        fixture = FixtureDaemon.start("");
        jcri = fixture.jcri();
        cri = fixture.cri();
        fixture.pushAndPull("e2e/busybox-stats", "",
                FixtureDaemon.busybox(APPLETS, "root:x:0:0:root:/root:/bin/sh\n", "root:x:0:\n"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (fixture != null) {
            fixture.keepLog("StatsEventsTest");
            fixture.close();
        }
    }

    @AfterEach
    void removeEverything() {
        if (cri != null) {
            Containers.removeAll(cri);
            Pods.removeAll(cri);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void statsRiseWhenAContainerBurnsCpuAndHoldsMemory(String handler) throws Exception {
        PodSandboxConfig pod = Pods.config("stats-" + handler).build();
        String podId = cri.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod)
                .setRuntimeHandler(handler).build()).getPodSandboxId();
        String burn = Containers.run(cri, podId, pod, Containers.config("burn", IMAGE, "sh", "-c",
                "while :; do :; done"));
        // The shell keeps 50 MiB in a variable while it waits for sleep (the echo after it stops the shell from
        // exec'ing sleep in its place); the file written first lands in the writable layer.
        String hold = Containers.run(cri, podId, pod, Containers.config("hold", IMAGE, "sh", "-c",
                "head -c 1048576 /dev/zero > /tmp/big; v=$(head -c 52428800 /dev/zero | tr '\\0' a); sleep 1000;"
                        + " echo ${#v}"));

        ContainerStats burning = awaitStats(burn, s -> s.getCpu().getUsageCoreNanoSeconds().getValue() > 500_000_000L
                && s.getCpu().getUsageNanoCores().getValue() > 50_000_000L);
        assertThat(burning.getAttributes().getMetadata().getName()).isEqualTo("burn");
        assertThat(burning.getCpu().getTimestamp()).isPositive();
        ContainerStats holding = awaitStats(hold, s -> s.getMemory().getWorkingSetBytes().getValue() > 45 * MB
                && s.getWritableLayer().getUsedBytes().getValue() >= MB);
        assertThat(holding.getMemory().getUsageBytes().getValue()).isGreaterThanOrEqualTo(
                holding.getMemory().getWorkingSetBytes().getValue());
        assertThat(holding.getMemory().getRssBytes().getValue()).isGreaterThan(45 * MB);
        assertThat(holding.getMemory().getPageFaults().getValue()).isPositive();
        assertThat(holding.getWritableLayer().getInodesUsed().getValue()).isPositive();

        List<ContainerStats> listed = cri.runtime().listContainerStats(ListContainerStatsRequest.newBuilder()
                .setFilter(ContainerStatsFilter.newBuilder().setPodSandboxId(podId)).build()).getStatsList();
        assertThat(listed).extracting(s -> s.getAttributes().getId()).containsExactlyInAnyOrder(burn, hold);

        PodSandboxStats podStats = cri.runtime().podSandboxStats(PodSandboxStatsRequest.newBuilder()
                .setPodSandboxId(podId).build()).getStats();
        assertThat(podStats.getAttributes().getId()).isEqualTo(podId);
        assertThat(podStats.getLinux().getCpu().getUsageCoreNanoSeconds().getValue())
                .isGreaterThanOrEqualTo(burning.getCpu().getUsageCoreNanoSeconds().getValue());
        assertThat(podStats.getLinux().getMemory().getWorkingSetBytes().getValue()).isGreaterThan(45 * MB);
        assertThat(podStats.getLinux().getProcess().getProcessCount().getValue()).isGreaterThanOrEqualTo(2);
        assertThat(podStats.getLinux().getNetwork().getDefaultInterface().getName()).isEqualTo("eth0");
        assertThat(podStats.getLinux().getContainersList()).hasSize(2);
        // kubelet's Summary API reports these (KubeletPSI); a busy loop need not stall, so only their presence. On
        // a v1 host runc makes each container's cgroup in the v2 tree too, crun 1.8 does not: no PSI of its own.
        if (PSI_TREE && (handler.equals("runc") || Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")))) {
            assertThat(burning.getCpu().hasPsi()).as("cpu PSI of %s", burning).isTrue();
            assertThat(burning.getMemory().getPsi().hasSome()).isTrue();
            assertThat(burning.getIo().hasPsi()).isTrue();
            assertThat(podStats.getLinux().getCpu().getPsi().hasFull()).isTrue();
            assertThat(podStats.getLinux().getIo().hasPsi()).isTrue();
        }

        List<String> described = cri.runtime().listMetricDescriptors(ListMetricDescriptorsRequest.getDefaultInstance())
                .getDescriptorsList().stream().map(MetricDescriptor::getName).toList();
        assertThat(described).contains("container_cpu_usage_seconds_total", "container_memory_working_set_bytes",
                "container_network_receive_bytes_total", "container_fs_usage_bytes");
        PodSandboxMetrics metrics = cri.runtime().listPodSandboxMetrics(ListPodSandboxMetricsRequest
                .getDefaultInstance()).getPodMetricsList().stream().filter(m -> m.getPodSandboxId().equals(podId))
                .findFirst().orElseThrow();
        List<Metric> holdMetrics = metrics.getContainerMetricsList().stream()
                .filter(c -> c.getContainerId().equals(hold)).findFirst().orElseThrow().getMetricsList();
        assertThat(holdMetrics).filteredOn(m -> m.getName().equals("container_memory_working_set_bytes"))
                .singleElement().satisfies(m -> assertThat(m.getValue().getValue()).isGreaterThan(45 * MB));
        assertThat(metrics.getMetricsList()).extracting(Metric::getName)
                .contains("container_network_transmit_bytes_total");
    }

    @Test
    void podMetricsServeContainerdsSeriesWithRealValuesUnderTheirDescriptorsLabels() throws Exception {
        long startedAfter = System.currentTimeMillis() / 1000;
        PodSandboxConfig pod = Pods.config("metrics").build();
        String podId = Pods.run(cri, pod);
        // A busy loop on half a CPU is throttled in nearly every period.
        String burn = Containers.run(cri, podId, pod, Containers.config("burn", IMAGE, "sh", "-c",
                "while :; do :; done").setLinux(LinuxContainerConfig.newBuilder().setResources(
                LinuxContainerResources.newBuilder().setCpuPeriod(100_000).setCpuQuota(50_000).setCpuShares(512)
                        .setMemoryLimitInBytes(200 * MB))));
        String hold = Containers.run(cri, podId, pod, Containers.config("hold", IMAGE, "sh", "-c",
                "head -c 1048576 /dev/zero > /tmp/big; sleep 1000; true"));

        PodSandboxMetrics m = awaitMetrics(podId, p -> value(p, burn, "container_cpu_cfs_throttled_periods_total") > 0
                && value(p, burn, "container_cpu_usage_seconds_total") >= 1
                && value(p, hold, "container_fs_usage_bytes") >= MB);

        Map<String, MetricDescriptor> described = cri.runtime().listMetricDescriptors(
                ListMetricDescriptorsRequest.getDefaultInstance()).getDescriptorsList().stream()
                .collect(Collectors.toMap(MetricDescriptor::getName, d -> d));
        assertThat(described).hasSize(58);
        List<Metric> all = new ArrayList<>(m.getMetricsList());
        m.getContainerMetricsList().forEach(c -> all.addAll(c.getMetricsList()));
        // What kubelet's CRI metrics collector needs to keep a metric: a descriptor with as many keys as values.
        assertThat(all).allSatisfy(x -> assertThat(x.getLabelValuesCount())
                .isEqualTo(described.get(x.getName()).getLabelKeysCount()));
        assertThat(m.getMetricsList()).filteredOn(x -> x.getName().equals("container_network_receive_packets_total"))
                .extracting(x -> List.copyOf(x.getLabelValuesList()))
                .containsExactly(List.of("metrics", "e2e", "", podId, "", "eth0"));
        assertThat(metrics(m, burn)).filteredOn(x -> x.getName().equals("container_cpu_usage_seconds_total"))
                .singleElement().satisfies(x -> assertThat(x.getLabelValuesList())
                        .containsExactly("metrics", "e2e", "burn", burn, IMAGE));

        assertThat(value(m, burn, "container_cpu_cfs_periods_total"))
                .isGreaterThanOrEqualTo(value(m, burn, "container_cpu_cfs_throttled_periods_total"));
        assertThat(value(m, burn, "container_cpu_user_seconds_total")
                + value(m, burn, "container_cpu_system_seconds_total")).isPositive();
        assertThat(value(m, burn, "container_spec_cpu_period")).isEqualTo(100_000);
        // cgroup v2 keeps a weight, from which 512 shares read back as 501.
        assertThat(value(m, burn, "container_spec_cpu_shares")).isBetween(501L, 512L);
        assertThat(value(m, burn, "container_spec_memory_limit_bytes")).isEqualTo(200 * MB);
        assertThat(value(m, burn, "container_processes")).isEqualTo(1);
        assertThat(value(m, burn, "container_threads")).isGreaterThanOrEqualTo(1);

        assertThat(value(m, hold, "container_processes")).isEqualTo(2);
        assertThat(value(m, hold, "container_file_descriptors")).isGreaterThanOrEqualTo(6);
        assertThat(value(m, hold, "container_start_time_seconds"))
                .isBetween(startedAfter, System.currentTimeMillis() / 1000);
        assertThat(value(m, hold, "container_last_seen"))
                .isGreaterThanOrEqualTo(value(m, hold, "container_start_time_seconds"));
        assertThat(value(m, hold, "container_memory_usage_bytes"))
                .isGreaterThanOrEqualTo(value(m, hold, "container_memory_working_set_bytes")).isPositive();
        assertThat(value(m, hold, "container_fs_limit_bytes")).isGreaterThan(value(m, hold, "container_fs_usage_bytes"));
        assertThat(value(m, hold, "container_fs_inodes_total"))
                .isGreaterThanOrEqualTo(value(m, hold, "container_fs_inodes_free")).isPositive();
        assertThat(metrics(m, hold)).filteredOn(x -> x.getName().equals("container_ulimits_soft"))
                .anySatisfy(x -> {
                    assertThat(x.getLabelValues(5)).isEqualTo("RLIMIT_NOFILE");
                    assertThat(x.getValue().getValue()).isPositive();
                });
    }

    private static List<Metric> metrics(PodSandboxMetrics pod, String containerId) {
        return pod.getContainerMetricsList().stream().filter(c -> c.getContainerId().equals(containerId))
                .findFirst().map(ContainerMetrics::getMetricsList).orElse(List.of());
    }

    /** The value of a container's metric; -1 when it has none. */
    private static long value(PodSandboxMetrics pod, String containerId, String name) {
        return metrics(pod, containerId).stream().filter(x -> x.getName().equals(name)).findFirst()
                .map(x -> x.getValue().getValue()).orElse(-1L);
    }

    private static PodSandboxMetrics awaitMetrics(String podId, Predicate<PodSandboxMetrics> done)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        PodSandboxMetrics last = null;
        while (System.nanoTime() < deadline) {
            last = cri.runtime().listPodSandboxMetrics(ListPodSandboxMetricsRequest.getDefaultInstance())
                    .getPodMetricsList().stream().filter(p -> p.getPodSandboxId().equals(podId)).findFirst()
                    .orElse(null);
            if (last != null && done.test(last)) {
                return last;
            }
            Thread.sleep(1100);
        }
        throw new AssertionError("metrics of pod " + podId + " never got there; last: " + last);
    }

    @Test
    void podNetworkCountersRiseWithTrafficBetweenPods() throws Exception {
        PodSandboxConfig a = Pods.config("ping-a").build();
        PodSandboxConfig b = Pods.config("ping-b").build();
        String podA = Pods.run(cri, a);
        String podB = Pods.run(cri, b);
        String pinger = Containers.run(cri, podA, a, Containers.config("pinger", IMAGE, "sleep", "1000"));
        String ipB = Pods.status(cri, podB).getNetwork().getIp();
        long rxBefore = defaultInterface(podB).getRxBytes().getValue();

        Containers.sh(cri, pinger, "ping -c 5 -i 0.2 -s 1000 " + ipB);

        // Five echo requests of more than 1000 bytes each reached pod B, and their replies left it.
        assertThat(defaultInterface(podB).getRxBytes().getValue() - rxBefore).isGreaterThanOrEqualTo(5 * 1000);
        assertThat(defaultInterface(podB).getTxBytes().getValue()).isGreaterThanOrEqualTo(5 * 1000);
        assertThat(defaultInterface(podA).getTxBytes().getValue()).isGreaterThanOrEqualTo(5 * 1000);
    }

    private static NetworkInterfaceUsage defaultInterface(String podId) {
        return cri.runtime().podSandboxStats(PodSandboxStatsRequest.newBuilder().setPodSandboxId(podId).build())
                .getStats().getLinux().getNetwork().getDefaultInterface();
    }

    @Test
    void podResourcesUpdateTheCgroup() throws Exception {
        PodSandboxConfig pod = Pods.config("resize").build();
        String podId = Pods.run(cri, pod);
        Containers.run(cri, podId, pod, Containers.config("idle", IMAGE, "sleep", "1000"));

        cri.runtime().updatePodSandboxResources(UpdatePodSandboxResourcesRequest.newBuilder().setPodSandboxId(podId)
                .setResources(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(200 * MB)).build());

        PodSandboxStats stats = cri.runtime().podSandboxStats(PodSandboxStatsRequest.newBuilder()
                .setPodSandboxId(podId).build()).getStats();
        long workingSet = stats.getLinux().getMemory().getWorkingSetBytes().getValue();
        assertThat(stats.getLinux().getMemory().getAvailableBytes().getValue()).isEqualTo(200 * MB - workingSet);
        StatusResponse status = cri.runtime().status(StatusRequest.getDefaultInstance());
        assertThat(status.getRuntimeHandlersList()).isNotEmpty();
    }

    @Test
    void twoSubscribersSeeTheFourEventsOfAContainerInOrder() throws Exception {
        PodSandboxConfig pod = Pods.config("events").build();
        String podId = Pods.run(cri, pod);
        try (Subscribers subscribers = new Subscribers(2, podId, pod)) {
            BlockingQueue<ContainerEventResponse> first = subscribers.get(0);
            BlockingQueue<ContainerEventResponse> second = subscribers.get(1);
            String id = Containers.run(cri, podId, pod, Containers.config("short", IMAGE, "sleep", "1"));
            // No status calls until STOPPED arrives: the exit must be noticed without anybody asking.
            List<ContainerEventResponse> seen = new ArrayList<>();
            seen.add(awaitEvent(first, id, ContainerEventType.CONTAINER_CREATED_EVENT));
            seen.add(awaitEvent(first, id, ContainerEventType.CONTAINER_STARTED_EVENT));
            seen.add(awaitEvent(first, id, ContainerEventType.CONTAINER_STOPPED_EVENT));
            cri.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
            seen.add(awaitEvent(first, id, ContainerEventType.CONTAINER_DELETED_EVENT));

            assertThat(seen).extracting(ContainerEventResponse::getCreatedAt).isSorted();
            ContainerEventResponse stopped = seen.get(2);
            assertThat(stopped.getPodSandboxStatus().getId()).isEqualTo(podId);
            assertThat(stopped.getContainersStatusesList()).extracting(ContainerStatus::getId).contains(id);
            for (ContainerEventType t : List.of(ContainerEventType.CONTAINER_CREATED_EVENT,
                    ContainerEventType.CONTAINER_STARTED_EVENT, ContainerEventType.CONTAINER_STOPPED_EVENT,
                    ContainerEventType.CONTAINER_DELETED_EVENT)) {
                awaitEvent(second, id, t);
            }
        }
    }

    @Test
    void podLifecycleIsReportedAsEventsOfTheSandbox() throws Exception {
        PodSandboxConfig probePod = Pods.config("events-probe").build();
        String probePodId = Pods.run(cri, probePod);
        try (Subscribers subscribers = new Subscribers(1, probePodId, probePod)) {
            BlockingQueue<ContainerEventResponse> events = subscribers.get(0);
            String podId = Pods.run(cri, Pods.config("events-pod").build());
            ContainerEventResponse created = awaitEvent(events, podId, ContainerEventType.CONTAINER_CREATED_EVENT);
            awaitEvent(events, podId, ContainerEventType.CONTAINER_STARTED_EVENT);
            Pods.stopAndRemove(cri, podId);
            awaitEvent(events, podId, ContainerEventType.CONTAINER_STOPPED_EVENT);
            ContainerEventResponse deleted = awaitEvent(events, podId, ContainerEventType.CONTAINER_DELETED_EVENT);

            // Kubelet finds the pod of an event by the uid in its pod status, also once the pod is gone.
            assertThat(created.getPodSandboxStatus().getMetadata().getUid()).isEqualTo("uid-events-pod");
            assertThat(created.getPodSandboxStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
            assertThat(deleted.getPodSandboxStatus().getMetadata().getUid()).isEqualTo("uid-events-pod");
            assertThat(deleted.getPodSandboxStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
        }
    }

    /** GetContainerEvents streams, each live once a probe container's creation has reached it; close cancels them. */
    private static final class Subscribers implements AutoCloseable {
        private final List<Context.CancellableContext> calls = new ArrayList<>();
        private final List<BlockingQueue<ContainerEventResponse>> queues = new ArrayList<>();

        Subscribers(int count, String podId, PodSandboxConfig pod) throws InterruptedException {
            try {
                for (int i = 0; i < count; i++) {
                    queues.add(subscribe());
                }
                String probe = Containers.create(cri, podId, pod, Containers.config("probe", IMAGE, "true"));
                for (BlockingQueue<ContainerEventResponse> q : queues) {
                    awaitEvent(q, probe, ContainerEventType.CONTAINER_CREATED_EVENT);
                }
            } catch (RuntimeException | InterruptedException | AssertionError e) {
                close();
                throw e;
            }
        }

        BlockingQueue<ContainerEventResponse> get(int i) {
            return queues.get(i);
        }

        private BlockingQueue<ContainerEventResponse> subscribe() {
            BlockingQueue<ContainerEventResponse> events = new LinkedBlockingQueue<>();
            Context.CancellableContext ctx = Context.current().withCancellation();
            calls.add(ctx);
            Thread.ofVirtual().start(() -> ctx.run(() -> {
                try {
                    Iterator<ContainerEventResponse> it = cri.runtime().getContainerEvents(
                            GetEventsRequest.getDefaultInstance());
                    it.forEachRemaining(events::add);
                } catch (StatusRuntimeException e) {
                    if (e.getStatus().getCode() != Status.Code.CANCELLED) {
                        throw e;
                    }
                }
            }));
            return events;
        }

        @Override
        public void close() {
            calls.forEach(c -> c.cancel(null));
        }
    }

    /** The next event of container {@code id}, which must be of {@code type}; other containers' are skipped. */
    private static ContainerEventResponse awaitEvent(BlockingQueue<ContainerEventResponse> events, String id,
                                                     ContainerEventType type) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            ContainerEventResponse e = events.poll(100, TimeUnit.MILLISECONDS);
            if (e != null && e.getContainerId().equals(id)) {
                assertThat(e.getContainerEventType()).as("event after the previous one of " + id).isEqualTo(type);
                return e;
            }
        }
        throw new AssertionError("no " + type + " for container " + id + " within 10s");
    }

    private static ContainerStats awaitStats(String id, Predicate<ContainerStats> done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        ContainerStats last = null;
        while (System.nanoTime() < deadline) {
            last = cri.runtime().containerStats(ContainerStatsRequest.newBuilder().setContainerId(id).build())
                    .getStats();
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(1100);
        }
        throw new AssertionError("stats of " + id + " never got there; last: " + last);
    }
}
