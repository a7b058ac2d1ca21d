package io.jcri.runtime.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.jcri.cri.v1.ContainerMetadata;
import io.jcri.cri.v1.ContainerState;
import io.jcri.cri.v1.ContainerStatus;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.Metric;
import io.jcri.cri.v1.MetricDescriptor;
import io.jcri.cri.v1.MetricType;
import io.jcri.cri.v1.PodSandboxMetrics;
import io.jcri.image.DiskUsage;
import io.jcri.oci.cgroup.CgroupDetail;
import io.jcri.oci.cgroup.CgroupStats;
import io.jcri.oci.cgroup.Pressure;
import io.jcri.oci.spec.OciSpec;
import io.jcri.oci.sys.Syscalls;
import io.jcri.runtime.sandbox.SandboxRecord;
import io.jcri.runtime.sandbox.SandboxState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PodMetricsTest {
    /**
     * The series containerd v2.2.7 describes, in its order: internal/cri/server/list_metric_descriptors_linux.go
     * (getMetricDescriptors). 58 names.
     */
    private static final List<String> CONTAINERD_2_2 = List.of(
            "container_cpu_user_seconds_total", "container_cpu_system_seconds_total",
            "container_cpu_usage_seconds_total", "container_cpu_cfs_periods_total",
            "container_cpu_cfs_throttled_periods_total", "container_cpu_cfs_throttled_seconds_total",
            "container_memory_cache", "container_memory_rss", "container_memory_kernel_usage",
            "container_memory_mapped_file", "container_memory_swap", "container_memory_failcnt",
            "container_memory_usage_bytes", "container_memory_max_usage_bytes", "container_memory_working_set_bytes",
            "container_memory_total_active_file_bytes", "container_memory_total_inactive_file_bytes",
            "container_memory_failures_total", "container_oom_events_total",
            "container_network_receive_bytes_total", "container_network_receive_packets_total",
            "container_network_receive_packets_dropped_total", "container_network_receive_errors_total",
            "container_network_transmit_bytes_total", "container_network_transmit_packets_total",
            "container_network_transmit_packets_dropped_total", "container_network_transmit_errors_total",
            "container_fs_inodes_free", "container_fs_inodes_total", "container_fs_limit_bytes",
            "container_fs_usage_bytes",
            "container_fs_reads_bytes_total", "container_fs_reads_total", "container_fs_sector_reads_total",
            "container_fs_reads_merged_total", "container_fs_read_seconds_total", "container_fs_writes_bytes_total",
            "container_fs_writes_total", "container_fs_sector_writes_total", "container_fs_writes_merged_total",
            "container_fs_write_seconds_total", "container_fs_io_current", "container_fs_io_time_seconds_total",
            "container_fs_io_time_weighted_seconds_total", "container_blkio_device_usage_total",
            "container_processes", "container_file_descriptors", "container_sockets", "container_threads_max",
            "container_threads", "container_ulimits_soft",
            "container_last_seen", "container_start_time_seconds",
            "container_spec_cpu_period", "container_spec_cpu_shares", "container_spec_memory_limit_bytes",
            "container_spec_memory_reservation_limit_bytes", "container_spec_memory_swap_limit_bytes");
    /** What the kernels in use today do not count per cgroup (no CFQ; v2 io.stat has no times or merges). */
    private static final List<String> NOT_COUNTED = List.of("container_fs_reads_merged_total",
            "container_fs_read_seconds_total", "container_fs_writes_merged_total", "container_fs_write_seconds_total",
            "container_fs_io_current", "container_fs_io_time_seconds_total",
            "container_fs_io_time_weighted_seconds_total");
    private static final long T = 1_700_000_000_123_456_789L;
    private static final long S = 1_000_000_000L;

    @Test
    void describesEverySeriesContainerd22DescribesUnderItsNamesWithContainerd23sLabelKeys() {
        List<MetricDescriptor> descriptors = PodMetrics.descriptors();

        assertThat(descriptors).extracting(MetricDescriptor::getName).containsExactlyElementsOf(CONTAINERD_2_2);
        assertThat(descriptors).allSatisfy(d -> assertThat(d.getLabelKeysList().subList(0, 5))
                .containsExactly("pod", "namespace", "container", "id", "image"));
        Map<String, List<String>> keys = descriptors.stream()
                .collect(Collectors.toMap(MetricDescriptor::getName, MetricDescriptor::getLabelKeysList));
        assertThat(keys.get("container_network_receive_bytes_total")).endsWith("interface").hasSize(6);
        assertThat(keys.get("container_fs_usage_bytes")).endsWith("device").hasSize(6);
        assertThat(keys.get("container_memory_failures_total")).endsWith("failure_type", "scope").hasSize(7);
        assertThat(keys.get("container_blkio_device_usage_total")).endsWith("device", "major", "minor", "operation");
        assertThat(keys.get("container_ulimits_soft")).endsWith("ulimit").hasSize(6);
        assertThat(keys.get("container_cpu_usage_seconds_total")).hasSize(5);
    }

    @Test
    void everyMetricSentHasItsDescriptorsLabelsAndEveryCountedSeriesIsSent() {
        Map<String, MetricDescriptor> descriptors = PodMetrics.descriptors().stream()
                .collect(Collectors.toMap(MetricDescriptor::getName, Function.identity()));

        PodSandboxMetrics m = PodMetrics.of(reading());

        List<Metric> all = new ArrayList<>(m.getMetricsList());
        m.getContainerMetricsList().forEach(c -> all.addAll(c.getMetricsList()));
        assertThat(all).allSatisfy(metric -> {
            assertThat(descriptors).containsKey(metric.getName());
            // kubelet's CRI metrics collector drops a metric whose values do not match the descriptor's keys.
            assertThat(metric.getLabelValuesList()).hasSize(descriptors.get(metric.getName()).getLabelKeysCount());
            // containerd's types: counters are the *_total series (but the inodes of a filesystem) and failcnt.
            String n = metric.getName();
            assertThat(metric.getMetricType()).isEqualTo(n.endsWith("_total") && !n.equals("container_fs_inodes_total")
                    || n.equals("container_memory_failcnt") ? MetricType.COUNTER : MetricType.GAUGE);
        });
        List<String> sent = all.stream().map(Metric::getName).distinct().toList();
        assertThat(sent).containsExactlyInAnyOrderElementsOf(CONTAINERD_2_2.stream()
                .filter(n -> !NOT_COUNTED.contains(n)).toList());
    }

    @Test
    void containerSeriesCarryThePodTheContainerAndTheirValues() {
        PodSandboxMetrics m = PodMetrics.of(reading());

        assertThat(m.getPodSandboxId()).isEqualTo("p1");
        assertThat(m.getMetricsList()).filteredOn(x -> x.getName().equals("container_network_receive_packets_total"))
                .extracting(x -> List.copyOf(x.getLabelValuesList())).containsExactly(List.of("web", "ns", "", "p1", "", "eth0"),
                        List.of("web", "ns", "", "p1", "", "eth1"));
        assertThat(value(m.getMetricsList(), "container_network_transmit_packets_dropped_total")).isEqualTo(8);
        List<Metric> c = m.getContainerMetrics(0).getMetricsList();
        assertThat(m.getContainerMetrics(0).getContainerId()).isEqualTo("c1");
        assertThat(c).filteredOn(x -> x.getName().equals("container_cpu_usage_seconds_total")).singleElement()
                .satisfies(x -> {
                    assertThat(x.getLabelValuesList()).containsExactly("web", "ns", "app", "c1", "busybox:1");
                    assertThat(x.getTimestamp()).isEqualTo(T);
                    assertThat(x.getValue().getValue()).isEqualTo(5);
                });
        assertThat(value(c, "container_start_time_seconds")).isEqualTo(1_699_999_000L);
        assertThat(value(c, "container_last_seen")).isEqualTo(T / S);
        assertThat(value(c, "container_cpu_cfs_throttled_seconds_total")).isEqualTo(1);
        assertThat(value(c, "container_memory_working_set_bytes")).isEqualTo(7000);
        assertThat(value(c, "container_file_descriptors")).isEqualTo(9);
        assertThat(value(c, "container_sockets")).isEqualTo(2);
        assertThat(value(c, "container_fs_sector_writes_total")).isEqualTo(16);
        assertThat(value(c, "container_fs_inodes_free")).isEqualTo(900);
        assertThat(value(c, "container_fs_usage_bytes")).isEqualTo(4096);
        assertThat(c).filteredOn(x -> x.getName().equals("container_blkio_device_usage_total"))
                .extracting(x -> List.copyOf(x.getLabelValuesList())).contains(List.of("web", "ns", "app", "c1", "busybox:1",
                        "8:0", "8", "0", "write"));
        assertThat(c).filteredOn(x -> x.getName().equals("container_memory_failures_total"))
                .extracting(x -> x.getLabelValues(5) + "/" + x.getLabelValues(6) + "=" + x.getValue().getValue())
                .containsExactlyInAnyOrder("pgfault/container=77", "pgmajfault/container=2");
        assertThat(c).filteredOn(x -> x.getName().equals("container_ulimits_soft")).singleElement()
                .satisfies(x -> assertThat(x.getLabelValues(5)).isEqualTo("RLIMIT_NOFILE"));
    }

    @Test
    void aContainerWithoutCgroupHasItsTimesLayerAndLimitsOnly() {
        ContainerReading exited = new ContainerReading(status(ContainerState.CONTAINER_EXITED), Optional.empty(),
                new OpenFiles(0, 0), List.of(), layer(), Optional.of(fs()), T);

        PodSandboxMetrics m = PodMetrics.of(new PodReading(pod(), List.of(), List.of(exited), T));

        assertThat(m.getContainerMetrics(0).getMetricsList()).extracting(Metric::getName).containsExactlyInAnyOrder(
                "container_last_seen", "container_start_time_seconds", "container_fs_usage_bytes",
                "container_fs_limit_bytes", "container_fs_inodes_total", "container_fs_inodes_free");
    }

    private static long value(List<Metric> metrics, String name) {
        return metrics.stream().filter(x -> x.getName().equals(name)).findFirst().orElseThrow().getValue().getValue();
    }

    private static PodReading reading() {
        CgroupDetail cg = new CgroupDetail(new CgroupStats.Sample(5_500_000_000L, 10_000, 7_000, 4_000, 65_536, 77,
                2, 0, 3, Pressure.NONE), 3 * S, 2 * S, 40, 7, 1_500_000_000L, 12_000, 5_000, 800, 600, 2_000, 3_000, 3, 1,
                List.of(10, 11), 2, 3, 0, 100_000, 512, 0, 131_072,
                List.of(new CgroupDetail.BlockDevice(8, 0, Map.of("read", 4096L, "write", 8192L),
                        Map.of("read", 1L, "write", 2L))));
        ContainerReading c = new ContainerReading(status(ContainerState.CONTAINER_RUNNING), Optional.of(cg),
                new OpenFiles(9, 2), List.of(new OciSpec.Rlimit("RLIMIT_NOFILE", 1024, 1024)), layer(),
                Optional.of(fs()), T);
        return new PodReading(pod(), List.of(new NetDev.Interface("eth0", 1962, 21, 0, 0, 1090, 13, 0, 8),
                new NetDev.Interface("eth1", 1, 1, 0, 0, 1, 1, 0, 8)), List.of(c), T);
    }

    private static ContainerStatus status(ContainerState state) {
        return ContainerStatus.newBuilder().setId("c1").setState(state)
                .setMetadata(ContainerMetadata.newBuilder().setName("app"))
                .setImage(ImageSpec.newBuilder().setImage("busybox:1")).setStartedAt(1_699_999_000L * S + 5)
                .build();
    }

    private static DiskUsage layer() {
        return new DiskUsage(Path.of("/var/lib/jcri/containers/c1/upper"), 4096, 5, T);
    }

    private static LayerFilesystem fs() {
        return new LayerFilesystem("8:1", new Syscalls.FsSpace(1 << 30, 1000, 900));
    }

    private static SandboxRecord pod() {
        return new SandboxRecord(new SandboxRecord.Meta("p1", "web", "ns", "uid", 0, T, Map.of(), Map.of(),
                new byte[0], "runc", "/run/jcri/netns/p1", null, null, "web", "", "", "", null, "/jcri/pod-p1", ""),
                new SandboxRecord.Status(SandboxState.READY, "10.88.0.2", List.of(), 0, null));
    }
}
