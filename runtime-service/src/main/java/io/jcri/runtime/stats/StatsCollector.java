package io.jcri.runtime.stats;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.Container;
import io.jcri.cri.v1.ContainerFilter;
import io.jcri.cri.v1.ContainerState;
import io.jcri.cri.v1.ContainerStatus;
import io.jcri.cri.v1.ContainerStats;
import io.jcri.cri.v1.ContainerStatsFilter;
import io.jcri.cri.v1.MetricDescriptor;
import io.jcri.cri.v1.PodSandbox;
import io.jcri.cri.v1.PodSandboxFilter;
import io.jcri.cri.v1.PodSandboxMetrics;
import io.jcri.cri.v1.PodSandboxStats;
import io.jcri.cri.v1.PodSandboxStatsFilter;
import io.jcri.image.KeptUsage;
import io.jcri.oci.OciException;
import io.jcri.oci.cgroup.CgroupDetail;
import io.jcri.oci.cgroup.CgroupDetailReader;
import io.jcri.oci.cgroup.CgroupStats;
import io.jcri.oci.ns.NetnsReader;
import io.jcri.oci.spec.OciSpec;
import io.jcri.oci.spec.OciSpecJson;
import io.jcri.runtime.container.ContainerService;
import io.jcri.runtime.sandbox.SandboxRecord;
import io.jcri.runtime.sandbox.SandboxService;
import io.jcri.runtime.sandbox.SandboxState;
import io.jcri.runtime.state.EpochNanos;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Container and pod statistics and metrics, read when asked: cgroup counters (CPU, memory, processes), the
 * writable layer's size (as last swept), and the pod network namespace's interface counters. CPU rates are worked out against the
 * previous reading of the same container or pod.
 */
public final class StatsCollector {
    private static final Logger LOG = LoggerFactory.getLogger(StatsCollector.class);
    private static final Duration MIN_RATE_WINDOW = Duration.ofSeconds(1);
    private static final Path PROC = Path.of("/proc");

    private final ContainerService containers;
    private final SandboxService sandboxes;
    private final CgroupStats cgroups;
    private final Path containersDir;
    private final Clock clock;
    private final CpuRates rates = new CpuRates(MIN_RATE_WINDOW);
    private final KeptUsage layers;
    private final CgroupDetailReader details;
    /** Container id to what its OCI spec says that never changes for a container. */
    private final ConcurrentMap<String, BundleFacts> bundles = new ConcurrentHashMap<>();
    private final NetnsReader netns = new NetnsReader(Duration.ofSeconds(5));

    /**
     * @param containersDir where containers keep their bundles ({@code <id>/config.json}, {@code <id>/upper})
     * @param layers        the usage of each container's writable layer ({@code <id>/upper}), kept up to date
     *                      in the background: a stats call walks no layer
     */
    public StatsCollector(ContainerService containers, SandboxService sandboxes, CgroupStats cgroups,
                          Path containersDir, KeptUsage layers, Clock clock) {
        this.containers = containers;
        this.sandboxes = sandboxes;
        this.cgroups = cgroups;
        this.details = new CgroupDetailReader(cgroups);
        this.containersDir = containersDir;
        this.clock = clock;
        this.layers = layers;
    }

    /** The stats of one container; NOT_FOUND when there is no such container. */
    public ContainerStats containerStats(String containerId) {
        String id = containers.status(containerId, false).getStatus().getId();
        return containers.list(ContainerFilter.newBuilder().setId(id).build()).stream()
                .filter(c -> c.getId().equals(id)).findFirst().map(c -> StatsViews.container(sample(c)))
                .orElseThrow(() -> CriException.notFound("container '" + containerId + "' not found"));
    }

    /** The stats of the containers matching {@code filter} (id prefix, pod id prefix, labels). */
    public List<ContainerStats> listContainerStats(ContainerStatsFilter filter) {
        ContainerFilter.Builder f = ContainerFilter.newBuilder();
        if (filter != null) {
            f.setId(filter.getId()).setPodSandboxId(filter.getPodSandboxId())
                    .putAllLabelSelector(filter.getLabelSelectorMap());
        }
        List<Container> found = containers.list(f.build());
        if (filter == null || (filter.getId().isEmpty() && filter.getPodSandboxId().isEmpty()
                && filter.getLabelSelectorMap().isEmpty())) {
            forgetAllBut(found);
        }
        return found.stream().map(c -> StatsViews.container(sample(c))).toList();
    }

    /** The stats of one pod and its containers; NOT_FOUND when there is no such pod. */
    public PodSandboxStats podStats(String podSandboxId) {
        SandboxRecord r = sandboxes.require(podSandboxId);
        return StatsViews.pod(podSample(r, containersByPod(r.id()).getOrDefault(r.id(), List.of())));
    }

    /** The stats of the ready pods matching {@code filter} (id prefix, labels). */
    public List<PodSandboxStats> listPodStats(PodSandboxStatsFilter filter) {
        Map<String, List<Container>> members = containersByPod("");
        return readyPods(filter).stream().map(r -> StatsViews.pod(podSample(r,
                members.getOrDefault(r.id(), List.of())))).toList();
    }

    /** The metrics {@link #podMetrics()} reports, with their label keys. */
    public List<MetricDescriptor> metricDescriptors() {
        return PodMetrics.descriptors();
    }

    /**
     * The metrics of every ready pod and its containers. Per container: the cgroup's files (about twenty), one
     * listing of {@code /proc/<pid>/fd} per process and one readlink per descriptor (both bounded); per pod: one
     * read of its namespace's {@code /proc/net/dev}; once: a statfs of the layers' filesystem.
     */
    public List<PodSandboxMetrics> podMetrics() {
        Optional<LayerFilesystem> fs = layerFilesystem();
        return readyPods(null).stream().map(r -> PodMetrics.of(new PodReading(r, interfaces(r),
                containers.statuses(r.id()).stream().map(c -> reading(c, fs)).toList(),
                EpochNanos.now(clock)))).toList();
    }

    private ContainerReading reading(ContainerStatus c, Optional<LayerFilesystem> fs) {
        long now = EpochNanos.now(clock);
        Optional<BundleFacts> bundle = bundle(c.getId());
        Optional<CgroupDetail> cg = c.getState() == ContainerState.CONTAINER_RUNNING
                ? bundle.flatMap(BundleFacts::cgroupsPath).flatMap(details::read) : Optional.empty();
        OpenFiles files = cg.map(d -> OpenFiles.count(PROC, d.processIds())).orElse(new OpenFiles(0, 0));
        return new ContainerReading(c, cg, files, bundle.map(BundleFacts::rlimits).orElse(List.of()),
                layers.of(c.getId()), fs, now);
    }

    private Optional<LayerFilesystem> layerFilesystem() {
        try {
            return Optional.of(LayerFilesystem.of(containersDir));
        } catch (IOException | OciException e) {
            LOG.warn("cannot read the filesystem of {}: {}", containersDir, e.getMessage());
            return Optional.empty();
        }
    }

    private List<SandboxRecord> readyPods(PodSandboxStatsFilter filter) {
        PodSandboxFilter.Builder f = PodSandboxFilter.newBuilder();
        if (filter != null) {
            f.setId(filter.getId()).putAllLabelSelector(filter.getLabelSelectorMap());
        }
        return sandboxes.list(f.build()).stream().map(PodSandbox::getId).flatMap(id -> existing(id).stream())
                .filter(r -> r.state() == SandboxState.READY).toList();
    }

    private Optional<SandboxRecord> existing(String sandboxId) {
        try {
            return Optional.of(sandboxes.require(sandboxId));
        } catch (CriException e) {
            if (e.kind() != ErrorKind.NOT_FOUND) {
                throw e;
            }
            LOG.debug("sandbox {}: removed while its stats were read", sandboxId);
            return Optional.empty();
        }
    }

    /**
     * The containers of the pods whose id starts with {@code podIdPrefix} (empty: all), by pod: listed once for
     * every pod of a call, not once per pod.
     */
    private Map<String, List<Container>> containersByPod(String podIdPrefix) {
        return containers.list(ContainerFilter.newBuilder().setPodSandboxId(podIdPrefix).build()).stream()
                .collect(java.util.stream.Collectors.groupingBy(Container::getPodSandboxId));
    }

    private PodSample podSample(SandboxRecord r, List<Container> podContainers) {
        long now = EpochNanos.now(clock);
        String cgroup = r.meta().cgroupParent();
        Optional<CgroupStats.Sample> cg = cgroup == null ? Optional.empty() : cgroups.read(cgroup);
        OptionalLong cores = cg.map(s -> rates.nanoCores("pod/" + r.id(), s.cpuUsageNanos(), now))
                .orElse(OptionalLong.empty());
        List<ContainerSample> members = podContainers.stream().map(this::sample).toList();
        return new PodSample(r, cg, cores, interfaces(r), members, now);
    }

    private List<NetDev.Interface> interfaces(SandboxRecord r) {
        if (r.hostNetwork() || r.state() != SandboxState.READY || !Files.exists(Path.of(r.meta().netnsPath()))) {
            return List.of();
        }
        try {
            return NetDev.read(netns, Path.of(r.meta().netnsPath()));
        } catch (OciException e) {
            LOG.warn("sandbox {}: cannot read its network counters: {}", r.id(), e.getMessage());
            return List.of();
        }
    }

    private ContainerSample sample(Container c) {
        long now = EpochNanos.now(clock);
        Optional<CgroupStats.Sample> cg = c.getState() == ContainerState.CONTAINER_RUNNING
                ? bundle(c.getId()).flatMap(BundleFacts::cgroupsPath).flatMap(cgroups::read) : Optional.empty();
        OptionalLong cores = cg.map(s -> rates.nanoCores(c.getId(), s.cpuUsageNanos(), now))
                .orElse(OptionalLong.empty());
        return new ContainerSample(c, cg, cores, layers.of(c.getId()), now);
    }

    /** What a container's OCI spec fixes for its life: its cgroup and the rlimits its processes start with. */
    private record BundleFacts(Optional<String> cgroupsPath, List<OciSpec.Rlimit> rlimits) {
    }

    private Optional<BundleFacts> bundle(String id) {
        BundleFacts known = bundles.get(id);
        if (known != null) {
            return Optional.of(known);
        }
        try {
            OciSpec spec = OciSpecJson.read(Files.readAllBytes(containersDir.resolve(id).resolve("config.json")));
            String path = spec.linux() == null ? null : spec.linux().cgroupsPath();
            BundleFacts facts = new BundleFacts(Optional.ofNullable(path).filter(p -> !p.isEmpty()),
                    spec.process() == null || spec.process().rlimits() == null ? List.of()
                            : List.copyOf(spec.process().rlimits()));
            bundles.put(id, facts);
            return Optional.of(facts);
        } catch (IOException e) {
            LOG.warn("container {}: cannot read its OCI spec for its cgroup and rlimits: {}", id, e.getMessage());
            return Optional.empty();
        }
    }

    /** Drops what is kept for containers that are gone; only a full listing knows which those are. */
    private void forgetAllBut(List<Container> all) {
        Set<String> ids = all.stream().map(Container::getId).collect(Collectors.toSet());
        bundles.keySet().retainAll(ids);
        layers.retain(ids);
        Set<String> rateKeys = new HashSet<>(ids);
        sandboxes.list(null).forEach(p -> rateKeys.add("pod/" + p.getId()));
        rates.retain(rateKeys);
    }
}
