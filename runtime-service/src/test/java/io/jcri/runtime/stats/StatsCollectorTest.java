package io.jcri.runtime.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jcri.cni.CniConfigLoader;
import io.jcri.cni.CniInvoker;
import io.jcri.cni.CniResultCache;
import io.jcri.cni.NetworkAttacher;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.ContainerMetrics;
import io.jcri.cri.v1.ContainerStats;
import io.jcri.cri.v1.ContainerStatsFilter;
import io.jcri.cri.v1.Metric;
import io.jcri.cri.v1.PodSandboxMetrics;
import io.jcri.cri.v1.PodSandboxStats;
import io.jcri.image.KeptUsage;
import io.jcri.oci.cgroup.CgroupDriver;
import io.jcri.oci.cgroup.CgroupLayout;
import io.jcri.oci.cgroup.CgroupManager;
import io.jcri.oci.cgroup.CgroupStats;
import io.jcri.oci.checkpoint.Criu;
import io.jcri.oci.ns.NsType;
import io.jcri.oci.ns.PodNamespaces;
import io.jcri.oci.runtime.OciRuntimes;
import io.jcri.runtime.FakeContainerMonitor;
import io.jcri.runtime.cdi.CdiRegistry;
import io.jcri.runtime.container.ContainerRecord;
import io.jcri.runtime.container.ContainerService;
import io.jcri.runtime.sandbox.SandboxRecord;
import io.jcri.runtime.sandbox.SandboxService;
import io.jcri.runtime.sandbox.SandboxSettings;
import io.jcri.runtime.sandbox.SandboxState;
import io.jcri.runtime.state.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stats read from cgroup files laid out in a temporary directory (v1: separate cpuacct, memory and pids
 * hierarchies; v2: one tree), containers and pods put in their stores as a create or run would leave them, a fake
 * monitor, and a clock the test moves: no root, no cgroupfs, no sleeping.
 */
class StatsCollectorTest {
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");
    private static final long T0_NANOS = T0.getEpochSecond() * 1_000_000_000L;
    private static final String POD_CGROUP = "/kubepods/pod1";
    private static final String C1_CGROUP = POD_CGROUP + "/c1";

    @TempDir
    Path dir;
    private final MovableClock clock = new MovableClock(T0);

    /** A wall clock the test moves. */
    private static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    /** The collector over v1 hierarchies under {@code dir/cgroup}, with pod1 (ready) and its container c1. */
    private final class Node {
        final Path containersDir = dir.resolve("containers");
        final StateStore<ContainerRecord> containerStore = StateStore.open(containersDir, ContainerRecord.SHAPE);
        final StateStore<SandboxRecord> sandboxStore = StateStore.open(dir.resolve("sandboxes"), SandboxRecord.SHAPE);
        final KeptUsage layers = new KeptUsage(containersDir, "upper", clock);
        final FakeContainerMonitor monitor = new FakeContainerMonitor(dir, T0_NANOS, step -> { });
        final StatsCollector stats;

        Node(CgroupLayout layout) {
            SandboxService sandboxes = sandboxes(sandboxStore);
            ContainerService containers = new ContainerService(containerStore, sandboxes, null,
                    OciRuntimes.of(Map.of()), monitor, null, null, null, Criu.unavailable("no CRIU in unit tests"),
                    new CdiRegistry(List.of()), (id, sandboxId, type, at) -> { }, clock, System::nanoTime);
            stats = new StatsCollector(containers, sandboxes, new CgroupStats(layout), containersDir, layers, clock);
        }

        void pod(String id, SandboxState state) {
            sandboxStore.create(new SandboxRecord(new SandboxRecord.Meta(id, "web", "ns", "uid-" + id, 0, 1,
                    Map.of("app", "web"), Map.of(), new byte[0], "runc", dir.resolve("no-netns").toString(), null,
                    null, "web", "", "", "", null, POD_CGROUP, ""), new SandboxRecord.Status(state, "10.1.0.5",
                    List.of(), 0, null)));
        }

        void container(String id, ContainerRecord.State state, String cgroupsPath) throws Exception {
            containerStore.create(new ContainerRecord(new ContainerRecord.Meta(id, "pod1", "name-" + id, 0, 1,
                    "img", "sha256:x", "sha256:x", "", Map.of("tier", "web"), Map.of(), new byte[0], "runc", 15, 0,
                    0, List.of()), new ContainerRecord.Status(state, 2, 0, 0, "", "", 42, new byte[0])));
            Files.writeString(containersDir.resolve(id).resolve("config.json"), """
                    {"ociVersion":"1.2.0","process":{"cwd":"/","args":["sh"],
                     "rlimits":[{"type":"RLIMIT_NOFILE","hard":4096,"soft":1024}]},"root":{"path":"rootfs"},
                     "linux":{"cgroupsPath":"%s"}}""".formatted(cgroupsPath));
        }
    }

    private SandboxService sandboxes(StateStore<SandboxRecord> store) {
        CniConfigLoader cni = new CniConfigLoader(dir.resolve("cni/conf"), List.of(dir.resolve("cni/bin")));
        NetworkAttacher attacher = new NetworkAttacher(cni, new CniInvoker(cni, Duration.ofSeconds(10)),
                new CniResultCache(dir.resolve("cni/results"), (file, bytes) -> {
                    throw new AssertionError("stats attach no network");
                }));
        return new SandboxService(new SandboxSettings(dir.resolve("run"), Set.of("runc"), "runc", "/jcri",
                "catatonit", Set.of()), store, new PodNamespaces() {
                    @Override
                    public Path path(NsType type, String id) {
                        throw new AssertionError("stats pin no namespace");
                    }

                    @Override
                    public Map<NsType, Path> pin(String id, Set<NsType> types, String hostname) {
                        throw new AssertionError("stats pin no namespace");
                    }

                    @Override
                    public void unpin(String id) {
                        throw new AssertionError("stats pin no namespace");
                    }

                    @Override
                    public void applySysctls(String id, Map<NsType, Path> namespaces, Map<String, String> sysctls) {
                        throw new AssertionError("stats pin no namespace");
                    }
                }, new CgroupManager(new CgroupLayout(false, List.of()), CgroupDriver.CGROUPFS), attacher,
                () -> "", (id, sandboxId, type, at) -> { }, clock);
    }

    private CgroupLayout v1() {
        return new CgroupLayout(false, List.of(
                new CgroupLayout.Hierarchy(dir.resolve("cgroup/cpu,cpuacct").toString(), Set.of("cpu", "cpuacct")),
                new CgroupLayout.Hierarchy(dir.resolve("cgroup/memory").toString(), Set.of("memory")),
                new CgroupLayout.Hierarchy(dir.resolve("cgroup/pids").toString(), Set.of("pids"))));
    }

    /** Writes a v1 cgroup's files: CPU nanoseconds, memory usage, inactive file pages and the limit. */
    private void v1Cgroup(String path, long cpuNanos, long usage, long inactiveFile, long limit, int pids)
            throws Exception {
        write("cgroup/cpu,cpuacct" + path, "cpuacct.usage", cpuNanos + "\n");
        write("cgroup/memory" + path, "memory.usage_in_bytes", usage + "\n");
        write("cgroup/memory" + path, "memory.limit_in_bytes", limit + "\n");
        write("cgroup/memory" + path, "memory.stat", """
                cache 9999
                rss 1
                total_cache 40000
                total_rss 50000
                total_inactive_file %d
                total_pgfault 700
                total_pgmajfault 7
                total_swap 300
                """.formatted(inactiveFile));
        write("cgroup/pids" + path, "pids.current", pids + "\n");
    }

    private void cpuNanos(String path, long nanos) throws Exception {
        write("cgroup/cpu,cpuacct" + path, "cpuacct.usage", nanos + "\n");
    }

    private void write(String cgroupDir, String file, String text) throws Exception {
        Files.writeString(Files.createDirectories(dir.resolve(cgroupDir)).resolve(file), text);
    }

    private void writableLayer(Node node, String id, int bytes) throws Exception {
        Files.write(Files.createDirectories(node.containersDir.resolve(id).resolve("upper")).resolve("f"),
                new byte[bytes]);
        node.layers.measure(id);
    }

    @Test
    void containerStatsMapTheV1CgroupCountersAndTheKeptWritableLayerUsage() throws Exception {
        Node node = new Node(v1());
        node.pod("pod1", SandboxState.READY);
        node.container("c1", ContainerRecord.State.RUNNING, C1_CGROUP);
        v1Cgroup(C1_CGROUP, 3_000_000_000L, 100_000, 30_000, 1 << 20, 4);
        writableLayer(node, "c1", 5000);
        long measuredAt = T0_NANOS;
        clock.advance(Duration.ofMillis(250));

        ContainerStats s = node.stats.containerStats("c1");

        long now = T0_NANOS + 250_000_000L;
        assertThat(s.getAttributes().getId()).isEqualTo("c1");
        assertThat(s.getAttributes().getLabelsMap()).containsEntry("tier", "web");
        assertThat(s.getCpu().getTimestamp()).isEqualTo(now);
        assertThat(s.getCpu().getUsageCoreNanoSeconds().getValue()).isEqualTo(3_000_000_000L);
        assertThat(s.getCpu().hasUsageNanoCores()).as("no rate from one reading").isFalse();
        assertThat(s.getMemory().getTimestamp()).isEqualTo(now);
        assertThat(s.getMemory().getUsageBytes().getValue()).isEqualTo(100_000);
        assertThat(s.getMemory().getWorkingSetBytes().getValue()).as("usage - total_inactive_file")
                .isEqualTo(70_000);
        assertThat(s.getMemory().getRssBytes().getValue()).isEqualTo(50_000);
        assertThat(s.getMemory().getPageFaults().getValue()).isEqualTo(700);
        assertThat(s.getMemory().getMajorPageFaults().getValue()).isEqualTo(7);
        assertThat(s.getMemory().getAvailableBytes().getValue()).isEqualTo((1 << 20) - 70_000);
        assertThat(s.getSwap().getSwapUsageBytes().getValue()).isEqualTo(300);
        assertThat(s.getWritableLayer().getFsId().getMountpoint())
                .isEqualTo(node.containersDir.resolve("c1/upper").toString());
        assertThat(s.getWritableLayer().getUsedBytes().getValue()).isGreaterThanOrEqualTo(5000);
        assertThat(s.getWritableLayer().getInodesUsed().getValue()).as("upper and its file").isEqualTo(2);
        assertThat(s.getWritableLayer().getTimestamp()).as("when the layer was last measured")
                .isEqualTo(measuredAt);

        assertThat(node.stats.listContainerStats(ContainerStatsFilter.newBuilder().setPodSandboxId("pod1")
                .build())).extracting(c -> c.getAttributes().getId()).containsExactly("c1");
        assertThat(node.stats.listContainerStats(ContainerStatsFilter.newBuilder().setPodSandboxId("pod2")
                .build())).isEmpty();
    }

    @Test
    void usageNanoCoresIsWorkedOutFromTwoReadingsAgainstTheClock() throws Exception {
        Node node = new Node(v1());
        node.pod("pod1", SandboxState.READY);
        node.container("c1", ContainerRecord.State.RUNNING, C1_CGROUP);
        v1Cgroup(C1_CGROUP, 1_000_000_000L, 100, 0, Long.MAX_VALUE, 1);
        assertThat(node.stats.containerStats("c1").getCpu().hasUsageNanoCores()).isFalse();

        clock.advance(Duration.ofMillis(500));
        cpuNanos(C1_CGROUP, 1_200_000_000L);
        assertThat(node.stats.containerStats("c1").getCpu().getUsageNanoCores().getValue())
                .as("0.2 s of CPU in 0.5 s").isEqualTo(400_000_000L);

        clock.advance(Duration.ofMillis(1500));
        cpuNanos(C1_CGROUP, 3_000_000_000L);
        assertThat(node.stats.containerStats("c1").getCpu().getUsageNanoCores().getValue())
                .as("against the reading kept from T0, younger ones not replacing it: 2 s of CPU in 2 s")
                .isEqualTo(1_000_000_000L);

        clock.advance(Duration.ofSeconds(1));
        cpuNanos(C1_CGROUP, 5_000L);
        assertThat(node.stats.containerStats("c1").getCpu().hasUsageNanoCores())
                .as("a counter that went back is a new cgroup: no rate").isFalse();
        assertThat(node.stats.containerStats("c1").getMemory().hasAvailableBytes()).as("no limit").isFalse();
    }

    @Test
    void aV2CgroupIsReadFromCpuStatAndMemoryCurrent() throws Exception {
        Node node = new Node(new CgroupLayout(true, List.of(new CgroupLayout.Hierarchy(
                dir.resolve("cgroup2").toString(), Set.of()))));
        node.pod("pod1", SandboxState.READY);
        node.container("c1", ContainerRecord.State.RUNNING, C1_CGROUP);
        write("cgroup2" + C1_CGROUP, "cpu.stat", "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n");
        write("cgroup2" + C1_CGROUP, "memory.current", "8192\n");
        write("cgroup2" + C1_CGROUP, "memory.max", "max\n");
        write("cgroup2" + C1_CGROUP, "memory.stat", "anon 4096\ninactive_file 1024\npgfault 9\npgmajfault 1\n");
        write("cgroup2" + C1_CGROUP, "cgroup.procs", "10\n11\n");

        ContainerStats s = node.stats.containerStats("c1");

        assertThat(s.getCpu().getUsageCoreNanoSeconds().getValue()).isEqualTo(2_500_000L);
        assertThat(s.getMemory().getUsageBytes().getValue()).isEqualTo(8192);
        assertThat(s.getMemory().getWorkingSetBytes().getValue()).isEqualTo(8192 - 1024);
        assertThat(s.getMemory().getRssBytes().getValue()).isEqualTo(4096);
        assertThat(s.getMemory().getPageFaults().getValue()).isEqualTo(9);
        assertThat(s.getMemory().hasAvailableBytes()).as("memory.max is max").isFalse();
        assertThat(s.getSwap().getSwapUsageBytes().getValue()).as("no memory.swap.current").isZero();
    }

    @Test
    void aContainerWhoseCgroupIsGoneOrThatHasExitedReportsOnlyItsLayerAndAnUnknownOneIsNotFound()
            throws Exception {
        Node node = new Node(v1());
        node.pod("pod1", SandboxState.READY);
        node.container("gone", ContainerRecord.State.RUNNING, POD_CGROUP + "/gone");
        node.container("exited", ContainerRecord.State.RUNNING, C1_CGROUP);
        v1Cgroup(C1_CGROUP, 1, 1, 0, 1, 1);
        node.monitor.exit("exited", 0);
        writableLayer(node, "gone", 10);

        ContainerStats gone = node.stats.containerStats("gone");
        assertThat(gone.hasCpu()).isFalse();
        assertThat(gone.hasMemory()).isFalse();
        assertThat(gone.getWritableLayer().getUsedBytes().getValue()).isGreaterThanOrEqualTo(10);

        ContainerStats exited = node.stats.containerStats("exited");
        assertThat(exited.hasCpu()).as("an exited container's cgroup is not read").isFalse();
        assertThat(exited.getWritableLayer().getUsedBytes().getValue()).as("never measured").isZero();

        assertThatThrownBy(() -> node.stats.containerStats("nope")).isInstanceOfSatisfying(CriException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND));
    }

    @Test
    void podStatsReadThePodCgroupAndItsContainersAndListOnlyReadyPods() throws Exception {
        Node node = new Node(v1());
        node.pod("pod1", SandboxState.READY);
        node.pod("pod2", SandboxState.NOTREADY);
        node.container("c1", ContainerRecord.State.RUNNING, C1_CGROUP);
        v1Cgroup(POD_CGROUP, 4_000_000_000L, 200_000, 50_000, Long.MAX_VALUE, 3);
        v1Cgroup(C1_CGROUP, 1_000_000_000L, 100_000, 30_000, Long.MAX_VALUE, 2);

        PodSandboxStats p = node.stats.podStats("pod1");
        assertThat(p.getAttributes().getId()).isEqualTo("pod1");
        assertThat(p.getAttributes().getMetadata().getUid()).isEqualTo("uid-pod1");
        assertThat(p.getLinux().getCpu().getUsageCoreNanoSeconds().getValue()).isEqualTo(4_000_000_000L);
        assertThat(p.getLinux().getMemory().getWorkingSetBytes().getValue()).isEqualTo(150_000);
        assertThat(p.getLinux().getProcess().getProcessCount().getValue()).isEqualTo(3);
        assertThat(p.getLinux().hasNetwork()).as("no network namespace to read").isFalse();
        assertThat(p.getLinux().getContainersList()).extracting(c -> c.getAttributes().getId())
                .containsExactly("c1");
        assertThat(p.getLinux().getContainers(0).getMemory().getWorkingSetBytes().getValue()).isEqualTo(70_000);

        clock.advance(Duration.ofSeconds(2));
        cpuNanos(POD_CGROUP, 5_000_000_000L);
        List<PodSandboxStats> ready = node.stats.listPodStats(null);
        assertThat(ready).extracting(s -> s.getAttributes().getId()).containsExactly("pod1");
        assertThat(ready.getFirst().getLinux().getCpu().getUsageNanoCores().getValue())
                .as("1 s of CPU in 2 s").isEqualTo(500_000_000L);
        assertThatThrownBy(() -> node.stats.podStats("pod9")).isInstanceOfSatisfying(CriException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND));
    }

    @Test
    void podMetricsCoverTheReadyPodsWithTheirContainersCgroupLayerAndRlimits() throws Exception {
        Node node = new Node(v1());
        node.pod("pod1", SandboxState.READY);
        node.pod("pod2", SandboxState.NOTREADY);
        node.container("c1", ContainerRecord.State.RUNNING, C1_CGROUP);
        v1Cgroup(C1_CGROUP, 5_000_000_000L, 100_000, 30_000, Long.MAX_VALUE, 2);
        writableLayer(node, "c1", 5000);
        clock.advance(Duration.ofSeconds(1));

        List<PodSandboxMetrics> all = node.stats.podMetrics();

        assertThat(all).extracting(PodSandboxMetrics::getPodSandboxId).containsExactly("pod1");
        assertThat(all.getFirst().getContainerMetricsList()).extracting(ContainerMetrics::getContainerId)
                .containsExactly("c1");
        List<Metric> c1 = all.getFirst().getContainerMetrics(0).getMetricsList();
        assertThat(value(c1, "container_cpu_usage_seconds_total")).isEqualTo(5);
        assertThat(value(c1, "container_memory_working_set_bytes")).isEqualTo(70_000);
        assertThat(value(c1, "container_fs_usage_bytes")).isGreaterThanOrEqualTo(5000);
        assertThat(c1).filteredOn(m -> m.getName().equals("container_ulimits_soft"))
                .extracting(m -> m.getValue().getValue()).containsExactly(1024L);
        assertThat(c1).extracting(Metric::getTimestamp).containsOnly(T0_NANOS + 1_000_000_000L);
    }

    private static long value(List<Metric> metrics, String name) {
        return metrics.stream().filter(m -> m.getName().equals(name)).findFirst().orElseThrow().getValue().getValue();
    }
}
