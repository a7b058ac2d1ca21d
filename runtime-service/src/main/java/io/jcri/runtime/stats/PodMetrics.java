package io.jcri.runtime.stats;

import io.jcri.cri.v1.ContainerMetrics;
import io.jcri.cri.v1.Metric;
import io.jcri.cri.v1.MetricDescriptor;
import io.jcri.cri.v1.MetricType;
import io.jcri.cri.v1.PodSandboxMetrics;
import io.jcri.oci.cgroup.CgroupStats;
import io.jcri.runtime.sandbox.SandboxRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The cAdvisor-named metrics kubelet's CRI stats provider serves for pods and containers: their descriptors
 * (ListMetricDescriptors) and their values from samples (ListPodSandboxMetrics). Label values follow the order of
 * the descriptor's label keys.
 */
final class PodMetrics {
    /** The container a pod-level metric (network) is reported under, as cAdvisor names the pod's infra container. */
    static final String POD_CONTAINER = "POD";
    private static final List<String> LABELS = List.of("container", "id", "image", "name", "namespace", "pod");
    private static final List<String> NETWORK_LABELS = List.of("container", "id", "image", "name", "namespace",
            "pod", "interface");

    private record CgroupMetric(String name, String help, MetricType type, ToLongFunction<CgroupStats.Sample> value) {
    }

    private record NetworkMetric(String name, String help, ToLongFunction<NetDev.Interface> value) {
    }

    private static final List<CgroupMetric> CGROUP = List.of(
            new CgroupMetric("container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.",
                    MetricType.COUNTER, s -> s.cpuUsageNanos() / 1_000_000_000L),
            new CgroupMetric("container_memory_usage_bytes",
                    "Current memory usage in bytes, including all memory regardless of when it was accessed",
                    MetricType.GAUGE, CgroupStats.Sample::memoryUsage),
            new CgroupMetric("container_memory_working_set_bytes", "Current working set in bytes.",
                    MetricType.GAUGE, CgroupStats.Sample::workingSet),
            new CgroupMetric("container_memory_rss", "Size of RSS in bytes.", MetricType.GAUGE,
                    CgroupStats.Sample::rss),
            new CgroupMetric("container_memory_swap", "Container swap usage in bytes.", MetricType.GAUGE,
                    CgroupStats.Sample::swapUsage),
            new CgroupMetric("container_spec_memory_limit_bytes", "Memory limit for the container.",
                    MetricType.GAUGE, CgroupStats.Sample::memoryLimit),
            new CgroupMetric("container_processes", "Number of processes running inside the container.",
                    MetricType.GAUGE, CgroupStats.Sample::processes));

    private static final String FS_USAGE = "container_fs_usage_bytes";
    private static final String FS_INODES = "container_fs_inodes_total";

    private static final List<NetworkMetric> NETWORK = List.of(
            new NetworkMetric("container_network_receive_bytes_total", "Cumulative count of bytes received",
                    NetDev.Interface::rxBytes),
            new NetworkMetric("container_network_receive_errors_total",
                    "Cumulative count of errors encountered while receiving", NetDev.Interface::rxErrors),
            new NetworkMetric("container_network_transmit_bytes_total", "Cumulative count of bytes transmitted",
                    NetDev.Interface::txBytes),
            new NetworkMetric("container_network_transmit_errors_total",
                    "Cumulative count of errors encountered while transmitting", NetDev.Interface::txErrors));

    private PodMetrics() {
    }

    static List<MetricDescriptor> descriptors() {
        List<MetricDescriptor> out = new ArrayList<>();
        CGROUP.forEach(m -> out.add(descriptor(m.name(), m.help(), LABELS)));
        out.add(descriptor(FS_USAGE, "Number of bytes that are consumed by the container on this filesystem.",
                LABELS));
        out.add(descriptor(FS_INODES, "Number of inodes used by the container's writable layer.", LABELS));
        NETWORK.forEach(m -> out.add(descriptor(m.name(), m.help(), NETWORK_LABELS)));
        return out;
    }

    static PodSandboxMetrics of(PodSample pod) {
        SandboxRecord r = pod.sandbox();
        PodSandboxMetrics.Builder b = PodSandboxMetrics.newBuilder().setPodSandboxId(r.id());
        for (NetDev.Interface i : pod.interfaces()) {
            List<String> labels = List.of(POD_CONTAINER, r.id(), "", r.id(), r.namespace(), r.name(), i.name());
            NETWORK.forEach(m -> b.addMetrics(metric(m.name(), MetricType.COUNTER, pod.timestamp(), labels,
                    m.value().applyAsLong(i))));
        }
        for (ContainerSample c : pod.containers()) {
            var info = c.container();
            List<String> labels = List.of(info.getMetadata().getName(), info.getId(), info.getImage().getImage(),
                    info.getId(), r.namespace(), r.name());
            ContainerMetrics.Builder cm = ContainerMetrics.newBuilder().setContainerId(info.getId());
            c.cgroup().ifPresent(cg -> CGROUP.forEach(m -> cm.addMetrics(metric(m.name(), m.type(),
                    c.timestamp(), labels, m.value().applyAsLong(cg)))));
            cm.addMetrics(metric(FS_USAGE, MetricType.GAUGE, c.layer().timestampNanos(), labels,
                    c.layer().usedBytes()));
            cm.addMetrics(metric(FS_INODES, MetricType.GAUGE, c.layer().timestampNanos(), labels,
                    c.layer().inodesUsed()));
            b.addContainerMetrics(cm);
        }
        return b.build();
    }

    private static MetricDescriptor descriptor(String name, String help, List<String> labels) {
        return MetricDescriptor.newBuilder().setName(name).setHelp(help).addAllLabelKeys(labels).build();
    }

    private static Metric metric(String name, MetricType type, long timestamp, List<String> labels, long value) {
        return Metric.newBuilder().setName(name).setMetricType(type).setTimestamp(timestamp)
                .addAllLabelValues(labels).setValue(StatsViews.u64(value)).build();
    }
}
