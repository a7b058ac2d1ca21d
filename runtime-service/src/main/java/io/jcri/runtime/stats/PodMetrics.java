package io.jcri.runtime.stats;

import io.jcri.cri.v1.ContainerMetrics;
import io.jcri.cri.v1.ContainerStatus;
import io.jcri.cri.v1.Metric;
import io.jcri.cri.v1.MetricDescriptor;
import io.jcri.cri.v1.MetricType;
import io.jcri.cri.v1.PodSandboxMetrics;
import io.jcri.oci.cgroup.CgroupDetail;
import io.jcri.oci.spec.OciSpec;
import io.jcri.runtime.sandbox.SandboxRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The pod and container metrics of ListMetricDescriptors and ListPodSandboxMetrics: the series containerd 2.2
 * describes, under its names, with the label keys containerd 2.3 gives them ({@code pod, namespace, container,
 * id, image}, cAdvisor's keys less {@code name}). containerd 2.2 declares {@code id, name} but sends four or no
 * values with them, so kubelet's CRI metrics collector, which makes each metric with the descriptor's keys, drops
 * every one of its series; 2.3 fixed that with these keys. Every metric here has exactly its descriptor's keys.
 * Pod-level series (network) have empty {@code container} and {@code image} and the pod's id as {@code id}.
 * Counters the kernel does not keep (merged requests and I/O times on the block layers in use today) are described
 * but not sent, rather than sent as 0.
 */
final class PodMetrics {
    private static final List<String> BASE_KEYS = List.of("pod", "namespace", "container", "id", "image");
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long SECTOR = 512;

    private record Series(String name, String help, MetricType type, List<String> extraKeys) {
    }

    private static Series counter(String name, String help, String... extraKeys) {
        return new Series(name, help, MetricType.COUNTER, List.of(extraKeys));
    }

    private static Series gauge(String name, String help, String... extraKeys) {
        return new Series(name, help, MetricType.GAUGE, List.of(extraKeys));
    }

    /** containerd 2.2's descriptors in its order (list_metric_descriptors_linux.go), help texts as it has them. */
    private static final List<Series> SERIES = List.of(
            counter("container_cpu_user_seconds_total", "Cumulative user CPU time consumed in seconds."),
            counter("container_cpu_system_seconds_total", "Cumulative system CPU time consumed in seconds."),
            counter("container_cpu_usage_seconds_total", "Cumulative CPU time consumed in seconds."),
            counter("container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals."),
            counter("container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals."),
            counter("container_cpu_cfs_throttled_seconds_total",
                    "Total time duration the container has been throttled."),
            gauge("container_memory_cache", "Number of bytes of page cache memory."),
            gauge("container_memory_rss", "Size of RSS in bytes."),
            gauge("container_memory_kernel_usage", "Size of kernel memory allocated in bytes."),
            gauge("container_memory_mapped_file", "Size of memory mapped files in bytes."),
            gauge("container_memory_swap", "Container swap usage in bytes."),
            counter("container_memory_failcnt", "Number of times container memory usage has hit its upper memory"
                    + " limit (cgroup v1 memory.failcnt, cgroup v2 the \"max\" memory event)."),
            gauge("container_memory_usage_bytes",
                    "Current memory usage in bytes, including all memory regardless of when it was accessed"),
            gauge("container_memory_max_usage_bytes", "Maximum memory usage recorded in bytes"),
            gauge("container_memory_working_set_bytes", "Current working set in bytes."),
            gauge("container_memory_total_active_file_bytes",
                    "Current total active cache memory in file on disk, in bytes."),
            gauge("container_memory_total_inactive_file_bytes",
                    "Current total inactive cache memory in file, in bytes."),
            counter("container_memory_failures_total", "Cumulative count of memory allocation failures.",
                    "failure_type", "scope"),
            counter("container_oom_events_total", "Count of out of memory events observed for the container"),
            counter("container_network_receive_bytes_total", "Cumulative count of bytes received", "interface"),
            counter("container_network_receive_packets_total", "Cumulative count of packets received",
                    "interface"),
            counter("container_network_receive_packets_dropped_total",
                    "Cumulative count of packets dropped while receiving", "interface"),
            counter("container_network_receive_errors_total",
                    "Cumulative count of errors encountered while receiving", "interface"),
            counter("container_network_transmit_bytes_total", "Cumulative count of bytes transmitted",
                    "interface"),
            counter("container_network_transmit_packets_total", "Cumulative count of packets transmitted",
                    "interface"),
            counter("container_network_transmit_packets_dropped_total",
                    "Cumulative count of packets dropped while transmitting", "interface"),
            counter("container_network_transmit_errors_total",
                    "Cumulative count of errors encountered while transmitting", "interface"),
            gauge("container_fs_inodes_free", "Number of available Inodes", "device"),
            gauge("container_fs_inodes_total", "Number of Inodes", "device"),
            gauge("container_fs_limit_bytes",
                    "Number of bytes that can be consumed by the container on this filesystem.", "device"),
            gauge("container_fs_usage_bytes",
                    "Number of bytes that are consumed by the container on this filesystem.", "device"),
            counter("container_fs_reads_bytes_total", "Cumulative count of bytes read", "device"),
            counter("container_fs_reads_total", "Cumulative count of reads completed", "device"),
            counter("container_fs_sector_reads_total", "Cumulative count of sector reads completed", "device"),
            counter("container_fs_reads_merged_total", "Cumulative count of reads merged", "device"),
            counter("container_fs_read_seconds_total", "Cumulative count of seconds spent reading", "device"),
            counter("container_fs_writes_bytes_total", "Cumulative count of bytes written", "device"),
            counter("container_fs_writes_total", "Cumulative count of writes completed", "device"),
            counter("container_fs_sector_writes_total", "Cumulative count of sector writes completed", "device"),
            counter("container_fs_writes_merged_total", "Cumulative count of writes merged", "device"),
            counter("container_fs_write_seconds_total", "Cumulative count of seconds spent writing", "device"),
            gauge("container_fs_io_current", "Number of I/Os currently in progress", "device"),
            counter("container_fs_io_time_seconds_total", "Cumulative count of seconds spent doing I/Os",
                    "device"),
            counter("container_fs_io_time_weighted_seconds_total", "Cumulative weighted I/O time in seconds",
                    "device"),
            counter("container_blkio_device_usage_total", "Blkio device bytes usage", "device", "major", "minor",
                    "operation"),
            gauge("container_processes", "Number of processes running inside the container."),
            gauge("container_file_descriptors", "Number of open file descriptors for the container."),
            gauge("container_sockets", "Number of open sockets for the container."),
            gauge("container_threads_max",
                    "Maximum number of threads allowed inside the container, infinity if value is zero"),
            gauge("container_threads", "Number of threads running inside the container"),
            gauge("container_ulimits_soft", "Soft ulimit values for the container root process. Unlimited if -1,"
                    + " except priority and nice", "ulimit"),
            gauge("container_last_seen", "Last time a container was seen by the exporter"),
            gauge("container_start_time_seconds", "Start time of the container since unix epoch in seconds"),
            gauge("container_spec_cpu_period", "CPU period of the container"),
            gauge("container_spec_cpu_shares", "CPU share of the container"),
            gauge("container_spec_memory_limit_bytes", "Memory limit for the container"),
            gauge("container_spec_memory_reservation_limit_bytes", "Memory reservation limit for the container"),
            gauge("container_spec_memory_swap_limit_bytes", "Memory swap limit for the container"));

    private static final Map<String, Series> BY_NAME = SERIES.stream()
            .collect(Collectors.toUnmodifiableMap(Series::name, Function.identity()));

    private PodMetrics() {
    }

    static List<MetricDescriptor> descriptors() {
        return SERIES.stream().map(s -> MetricDescriptor.newBuilder().setName(s.name()).setHelp(s.help())
                .addAllLabelKeys(BASE_KEYS).addAllLabelKeys(s.extraKeys()).build()).toList();
    }

    static PodSandboxMetrics of(PodReading pod) {
        SandboxRecord r = pod.sandbox();
        PodSandboxMetrics.Builder b = PodSandboxMetrics.newBuilder().setPodSandboxId(r.id());
        Emitter podLevel = new Emitter(List.of(r.meta().name(), r.meta().namespace(), "", r.id(), ""),
                pod.timestamp());
        for (NetDev.Interface i : pod.interfaces()) {
            podLevel.add("container_network_receive_bytes_total", i.rxBytes(), i.name());
            podLevel.add("container_network_receive_packets_total", i.rxPackets(), i.name());
            podLevel.add("container_network_receive_packets_dropped_total", i.rxDropped(), i.name());
            podLevel.add("container_network_receive_errors_total", i.rxErrors(), i.name());
            podLevel.add("container_network_transmit_bytes_total", i.txBytes(), i.name());
            podLevel.add("container_network_transmit_packets_total", i.txPackets(), i.name());
            podLevel.add("container_network_transmit_packets_dropped_total", i.txDropped(), i.name());
            podLevel.add("container_network_transmit_errors_total", i.txErrors(), i.name());
        }
        b.addAllMetrics(podLevel.metrics);
        for (ContainerReading c : pod.containers()) {
            b.addContainerMetrics(container(r, c));
        }
        return b.build();
    }

    private static ContainerMetrics container(SandboxRecord pod, ContainerReading c) {
        ContainerStatus s = c.status();
        Emitter e = new Emitter(List.of(pod.meta().name(), pod.meta().namespace(), s.getMetadata().getName(),
                s.getId(), s.getImage().getImage()), c.timestamp());
        e.add("container_last_seen", c.timestamp() / NANOS_PER_SECOND);
        if (s.getStartedAt() > 0) {
            e.add("container_start_time_seconds", s.getStartedAt() / NANOS_PER_SECOND);
        }
        c.cgroup().ifPresent(cg -> cgroup(e, cg));
        if (c.cgroup().isPresent()) {
            e.add("container_file_descriptors", c.files().descriptors());
            e.add("container_sockets", c.files().sockets());
        }
        for (OciSpec.Rlimit l : c.rlimits()) {
            e.add("container_ulimits_soft", l.soft(), l.type());
        }
        c.fs().ifPresent(fs -> {
            e.add("container_fs_usage_bytes", c.layer().usedBytes(), fs.device());
            e.add("container_fs_limit_bytes", fs.space().totalBytes(), fs.device());
            e.add("container_fs_inodes_total", fs.space().inodes(), fs.device());
            e.add("container_fs_inodes_free", fs.space().inodesFree(), fs.device());
        });
        return ContainerMetrics.newBuilder().setContainerId(s.getId()).addAllMetrics(e.metrics).build();
    }

    private static void cgroup(Emitter e, CgroupDetail d) {
        var s = d.sample();
        e.add("container_cpu_usage_seconds_total", s.cpuUsageNanos() / NANOS_PER_SECOND);
        e.add("container_cpu_user_seconds_total", d.cpuUserNanos() / NANOS_PER_SECOND);
        e.add("container_cpu_system_seconds_total", d.cpuSystemNanos() / NANOS_PER_SECOND);
        e.add("container_cpu_cfs_periods_total", d.cfsPeriods());
        e.add("container_cpu_cfs_throttled_periods_total", d.cfsThrottled());
        e.add("container_cpu_cfs_throttled_seconds_total", d.cfsThrottledNanos() / NANOS_PER_SECOND);
        e.add("container_memory_usage_bytes", s.memoryUsage());
        e.add("container_memory_max_usage_bytes", d.memoryMaxUsage());
        e.add("container_memory_working_set_bytes", s.workingSet());
        e.add("container_memory_rss", s.rss());
        e.add("container_memory_cache", d.cache());
        e.add("container_memory_kernel_usage", d.kernel());
        e.add("container_memory_mapped_file", d.mappedFile());
        e.add("container_memory_swap", s.swapUsage());
        e.add("container_memory_failcnt", d.failcnt());
        e.add("container_memory_total_active_file_bytes", d.activeFile());
        e.add("container_memory_total_inactive_file_bytes", d.inactiveFile());
        // As cAdvisor and containerd: the "failures" are page faults (all of them, and the major ones).
        e.add("container_memory_failures_total", s.pageFaults(), "pgfault", "container");
        e.add("container_memory_failures_total", s.majorPageFaults(), "pgmajfault", "container");
        e.add("container_oom_events_total", d.oomKills());
        for (CgroupDetail.BlockDevice dev : d.devices()) {
            String name = dev.name();
            long read = dev.bytes().getOrDefault("read", 0L);
            long written = dev.bytes().getOrDefault("write", 0L);
            e.add("container_fs_reads_bytes_total", read, name);
            e.add("container_fs_writes_bytes_total", written, name);
            e.add("container_fs_reads_total", dev.ios().getOrDefault("read", 0L), name);
            e.add("container_fs_writes_total", dev.ios().getOrDefault("write", 0L), name);
            e.add("container_fs_sector_reads_total", read / SECTOR, name);
            e.add("container_fs_sector_writes_total", written / SECTOR, name);
            dev.bytes().forEach((op, bytes) -> e.add("container_blkio_device_usage_total", bytes, name,
                    Integer.toString(dev.major()), Integer.toString(dev.minor()), op));
        }
        e.add("container_processes", d.processes());
        e.add("container_threads", d.threads());
        e.add("container_threads_max", d.threadsMax());
        e.add("container_spec_cpu_period", d.cpuPeriodMicros());
        e.add("container_spec_cpu_shares", d.cpuShares());
        e.add("container_spec_memory_limit_bytes", s.memoryLimit());
        e.add("container_spec_memory_reservation_limit_bytes", d.memoryReservation());
        e.add("container_spec_memory_swap_limit_bytes", d.memorySwapLimit());
    }

    /** Makes metrics of one container or pod: its label values first, then the series' own. */
    private static final class Emitter {
        private final List<String> base;
        private final long timestamp;
        private final List<Metric> metrics = new ArrayList<>();

        Emitter(List<String> base, long timestamp) {
            this.base = base;
            this.timestamp = timestamp;
        }

        void add(String name, long value, String... extraLabels) {
            Series s = BY_NAME.get(name);
            if (s == null || s.extraKeys().size() != extraLabels.length) {
                throw new IllegalArgumentException("metric " + name + " is not described with "
                        + extraLabels.length + " extra labels");
            }
            metrics.add(Metric.newBuilder().setName(name).setMetricType(s.type()).setTimestamp(timestamp)
                    .addAllLabelValues(Stream.concat(base.stream(), Stream.of(extraLabels)).toList())
                    .setValue(StatsViews.u64(value)).build());
        }
    }
}
