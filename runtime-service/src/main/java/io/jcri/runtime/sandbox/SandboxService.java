package io.jcri.runtime.sandbox;

import io.jcri.cni.CniConfigLoader;
import io.jcri.cni.CniInvoker;
import io.jcri.cni.CniResultCache;
import io.jcri.cni.NetworkAttacher;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.KeyedLocks;
import io.jcri.cri.v1.ContainerEventType;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.NamespaceOption;
import io.jcri.cri.v1.PodSandbox;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxFilter;
import io.jcri.cri.v1.PodSandboxMetadata;
import io.jcri.cri.v1.PodSandboxStatusResponse;
import io.jcri.oci.Executables;
import io.jcri.oci.OciException;
import io.jcri.oci.cgroup.CgroupManager;
import io.jcri.oci.cgroup.CgroupResources;
import io.jcri.oci.faults.FaultPoints;
import io.jcri.oci.fs.AtomicFiles;
import io.jcri.oci.fs.KernelFiles;
import io.jcri.oci.ns.InfraProcess;
import io.jcri.oci.ns.NamespacePinner;
import io.jcri.oci.ns.PodNamespaces;
import io.jcri.oci.ns.NsType;
import io.jcri.runtime.events.ContainerLifecycle;
import io.jcri.runtime.state.EpochNanos;
import io.jcri.runtime.state.Ids;
import io.jcri.runtime.state.NameRegistry;
import io.jcri.runtime.state.Rollback;
import io.jcri.runtime.state.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pod sandboxes: run, stop, remove, status, list. A run is a few named steps, each with its undo on a
 * rollback list (namespaces, sysctls, cgroup, network, files, shm, infra process); the record on disk says where
 * the sandbox is, so a restart can finish or undo what was under way.
 */
public final class SandboxService implements PodSandboxes {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxService.class);
    private static final int MAX_HOSTNAME = 63;

    private final SandboxSettings settings;
    private final StateStore<SandboxRecord> store;
    private final PodNamespaces pinner;
    private final CgroupManager cgroups;
    private final SandboxNetwork network;
    private final PodFiles files;
    private final Clock clock;
    private final NameRegistry names = new NameRegistry("pod sandbox");
    private final KeyedLocks locks = new KeyedLocks();
    /** Longer than a container create may take, so a stop waits for creates in flight rather than failing. */
    private final SandboxGates gates = new SandboxGates(Duration.ofMinutes(3));
    private final Supplier<String> podCidr;
    private final ContainerLifecycle lifecycle;
    /** The pods' containers, given by {@link #recover}: no pod is stopped, removed or shown before. */
    private volatile PodContainers containers;

    /**
     * @param pinner    the pods' namespaces; with {@code clock} a seam for tests
     * @param podCidr   where the node's pod CIDR (from UpdateRuntimeConfig) is read, for CNI's ipRanges capability
     * @param lifecycle who hears of pods made ready, stopped and removed (GetContainerEvents)
     * @param clock     the wall clock of created times and events
     */
    public SandboxService(SandboxSettings settings, StateStore<SandboxRecord> store, PodNamespaces pinner,
                          CgroupManager cgroups, NetworkAttacher attacher, Supplier<String> podCidr,
                          ContainerLifecycle lifecycle, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.store = store;
        this.pinner = pinner;
        this.cgroups = cgroups;
        this.network = new SandboxNetwork(attacher);
        this.podCidr = Objects.requireNonNull(podCidr);
        this.lifecycle = Objects.requireNonNull(lifecycle);
        this.files = new PodFiles(settings.runRoot().resolve("shm"));
        store.all().forEach(r -> names.claim(nameOf(r.meta()), r.id()));
    }

    /**
     * The service with its state under {@code stateRoot} ({@code sandboxes/}, {@code cni/results/}) and pinned
     * namespaces and shm mounts under the settings' run root.
     */
    public static SandboxService open(SandboxSettings settings, Path stateRoot, CgroupManager cgroups,
                                      CniConfigLoader cni, Duration pluginTimeout, Supplier<String> podCidr,
                                      ContainerLifecycle lifecycle) {
        StateStore<SandboxRecord> store = StateStore.open(stateRoot.resolve("sandboxes"),
                SandboxRecord.SHAPE);
        NetworkAttacher attacher = new NetworkAttacher(cni, new CniInvoker(cni, pluginTimeout),
                new CniResultCache(stateRoot.resolve("cni/results"), AtomicFiles::write));
        return new SandboxService(settings, store, new NamespacePinner(settings.runRoot()), cgroups, attacher,
                podCidr, lifecycle, Clock.systemUTC());
    }

    /** The sandbox with this id or unique id prefix; NOT_FOUND otherwise. */
    @Override
    public SandboxRecord require(String idOrPrefix) {
        return store.find(idOrPrefix).orElseThrow(() ->
                CriException.notFound("pod sandbox '" + idOrPrefix + "' not found"));
    }

    /**
     * Makes a sandbox and returns its id. A retry of a run still in flight for the same metadata returns that run's
     * id; a sandbox that exists already with this metadata is ALREADY_EXISTS.
     */
    public String run(PodSandboxConfig config, String runtimeHandler) {
        SandboxConfigCheck.check(config);
        PodSandboxMetadata md = config.getMetadata();
        String handler = resolveHandler(runtimeHandler);
        if (!settings.handlers().contains(handler)) {
            throw CriException.invalid("unknown runtime handler '" + handler + "'; configured: "
                    + settings.handlers().stream().sorted().toList());
        }
        cgroups.parentProblem(cgroupParent(config)).ifPresent(problem -> {
            throw CriException.invalid(problem);
        });
        if (PodUserNamespace.own(config) && !settings.usernsHandlers().contains(handler)) {
            throw CriException.invalid("runtime handler '" + handler + "' cannot run a pod in its own"
                    + " user namespace; handlers that can: " + settings.usernsHandlers().stream().sorted().toList());
        }
        return names.create(nameOf(md.getName(), md.getNamespace(), md.getUid(), md.getAttempt()),
                () -> create(config, handler));
    }

    /**
     * Runs {@code body} with the sandbox held ready: while it runs, the sandbox cannot begin to stop or be removed,
     * and once it has begun, this answers FAILED_PRECONDITION (NOT_FOUND for an unknown sandbox). Creating and
     * starting containers run inside, so none appears or starts in a pod being torn down.
     */
    @Override
    public <T> T whileReady(String idOrPrefix, java.util.function.Function<SandboxRecord, T> body) {
        String id = require(idOrPrefix).id();
        return gates.whileOpen(id, () -> {
            SandboxRecord sandbox = require(id);
            if (sandbox.state() != SandboxState.READY) {
                throw new CriException(ErrorKind.FAILED_PRECONDITION, "pod sandbox " + id
                        + " is not ready (" + sandbox.state() + "); containers cannot be created or started in it");
            }
            return body.apply(sandbox);
        });
    }

    /** Whether pods of {@code handler} (empty: the default handler) may have their own user namespace. */
    @Override
    public boolean userNamespaces(String handler) {
        return settings.usernsHandlers().contains(resolveHandler(handler));
    }

    @Override
    public String resolveHandler(String handler) {
        return handler.isEmpty() ? settings.defaultHandler() : handler;
    }

    /** Stops the sandbox's containers, network and infra process; unknown ids and repeated stops are fine. */
    public void stop(String idOrPrefix) {
        Optional<SandboxRecord> found = store.find(idOrPrefix);
        if (found.isEmpty()) {
            return;
        }
        String id = found.get().id();
        gates.close(id);
        locks.run(id, () -> store.get(id).ifPresent(r -> {
            containers().stopAll(id);
            FaultPoints.hit("sandbox.before-cni-del");
            List<Exception> failures = tearDown(r);
            if (r.state() != SandboxState.NOTREADY && r.state() != SandboxState.REMOVING) {
                SandboxRecord stopped = store.get(id).orElse(r).withState(SandboxState.NOTREADY);
                store.update(stopped);
                lifecycle.podChanged(SandboxViews.status(stopped), ContainerEventType.CONTAINER_STOPPED_EVENT,
                        nowNanos());
            }
            throwFirst(id, "stopping", failures);
            LOG.info("sandbox {}: stopped", id);
        }));
    }

    /** Removes the sandbox, its containers and everything made for it; unknown ids are fine. */
    public void remove(String idOrPrefix) {
        Optional<SandboxRecord> found = store.find(idOrPrefix);
        if (found.isEmpty()) {
            return;
        }
        String id = found.get().id();
        gates.close(id);
        locks.run(id, () -> store.get(id).ifPresent(r -> {
            store.update(r.withState(SandboxState.REMOVING));
            containers().removeAll(id);
            destroy(r);
            gates.forget(id);
            lifecycle.podChanged(SandboxViews.status(r.withState(SandboxState.NOTREADY)),
                    ContainerEventType.CONTAINER_DELETED_EVENT, nowNanos());
            LOG.info("sandbox {}: removed", id);
        }));
    }

    /** Sets the pod cgroup's limits to {@code resources} plus {@code overhead} (UpdatePodSandboxResources). */
    public void updateResources(String idOrPrefix, LinuxContainerResources overhead,
                                LinuxContainerResources resources) {
        String id = require(idOrPrefix).id();
        locks.run(id, () -> {
            SandboxRecord r = require(id);
            if (r.state() != SandboxState.READY || r.meta().cgroupParent() == null) {
                throw new CriException(ErrorKind.FAILED_PRECONDITION, "pod sandbox " + id + " is "
                        + r.state() + "; only a ready pod's resources can change");
            }
            try {
                cgroups.apply(r.meta().cgroupParent(), resources(resources).plus(resources(overhead)));
            } catch (OciException e) {
                throw new CriException(ErrorKind.INTERNAL, "pod sandbox " + id + ": updating cgroup "
                        + r.meta().cgroupParent() + " failed: " + e.getMessage(), e);
            }
            LOG.info("sandbox {}: resources updated", id);
        });
    }

    public PodSandboxStatusResponse status(String idOrPrefix, boolean verbose) {
        long now = EpochNanos.now(clock);
        SandboxRecord r = require(idOrPrefix);
        // The timestamp is taken before the pod and its containers are read, so what is shown is at least as new
        // as it says: kubelet's evented PLEG keeps the newest status by it and reads the containers from here.
        PodSandboxStatusResponse.Builder b = PodSandboxStatusResponse.newBuilder()
                .setStatus(SandboxViews.status(r)).setTimestamp(now)
                .addAllContainersStatuses(containers().statuses(r.id()));
        if (verbose) {
            b.putInfo("info", SandboxViews.info(r));
        }
        return b.build();
    }

    /** The sandboxes matching {@code filter} (id prefix, state, labels), oldest first. */
    public List<PodSandbox> list(PodSandboxFilter filter) {
        return store.all().stream().filter(r -> SandboxViews.matches(r, filter))
                .sorted(Comparator.comparingLong(r -> r.meta().createdAt())).map(SandboxViews::summary).toList();
    }

    /**
     * Finishes what a previous daemon left under way: sandboxes found half-made are undone, half-removed ones
     * removed with their containers, and ready ones whose namespaces or infra process are gone (after a reboot)
     * marked not ready. {@code podContainers} are the pods' containers, recovered already (a container still
     * running must be known as such before its pod is judged); the service uses them from now on.
     */
    public void recover(PodContainers podContainers) {
        if (containers != null) {
            throw new IllegalStateException("the sandboxes are recovered already");
        }
        containers = Objects.requireNonNull(podContainers);
        for (String orphan : store.orphans()) {
            // Its first status was never written (or it was being deleted): nothing was made for it yet (or any
            // more) but the directory.
            LOG.warn("sandbox {}: found without a record at start; removing its directory", orphan);
            store.delete(orphan);
        }
        for (SandboxRecord r : store.all()) {
            locks.run(r.id(), () -> {
                try {
                    switch (r.state()) {
                        case CREATING, REMOVING -> {
                            LOG.warn("sandbox {}: found {} at start; removing it", r.id(), r.state());
                            podContainers.removeAll(r.id());
                            destroy(r);
                        }
                        case READY -> {
                            if (!intact(r)) {
                                LOG.warn("sandbox {}: namespaces or infra process gone; marking it not ready", r.id());
                                store.update(r.withState(SandboxState.NOTREADY));
                            }
                        }
                        case NOTREADY -> LOG.debug("sandbox {}: not ready", r.id());
                    }
                } catch (RuntimeException e) {
                    LOG.error("sandbox {}: recovery failed, left as {}: {}", r.id(), r.state(), e.getMessage(), e);
                }
            });
        }
    }

    private PodContainers containers() {
        PodContainers c = containers;
        if (c == null) {
            throw new IllegalStateException("the sandboxes are not recovered yet: their containers are unknown");
        }
        return c;
    }

    private String create(PodSandboxConfig config, String handler) {
        String id = Ids.newId();
        return locks.with(id, () -> {
            Rollback rollback = new Rollback("sandbox " + id);
            try {
                return build(id, config, handler, rollback);
            } catch (RuntimeException | IOException e) {
                List<String> left = rollback.run(e);
                if (!left.isEmpty()) {
                    // Keep the record so a later Stop/Remove (kubelet's, or recovery's) retries what is left.
                    store.get(id).ifPresent(r -> store.update(r.withState(SandboxState.NOTREADY)));
                } else {
                    store.delete(id);
                }
                LOG.warn("sandbox {}: run failed{}: {}", id, left.isEmpty() ? "" : ", could not undo " + left,
                        e.getMessage());
                if (e instanceof RuntimeException re) {
                    throw re;
                }
                throw new CriException(ErrorKind.INTERNAL, "sandbox " + id + ": "
                        + e.getMessage(), e);
            }
        });
    }

    private String build(String id, PodSandboxConfig config, String handler, Rollback rollback) throws IOException {
        SandboxRecord record = newRecord(id, config, handler);
        store.create(record);
        Map<NsType, Path> pinned = pinNamespaces(record, config, rollback);
        FaultPoints.hit("sandbox.after-netns");
        createCgroup(record, config, rollback);
        record = attachNetwork(record, config, rollback);
        writeFiles(record, config, rollback);
        if (config.getLinux().getSecurityContext().getNamespaceOptions().getPid() == NamespaceMode.POD) {
            record = startInfra(record, pinned, rollback);
        }
        FaultPoints.hit("sandbox.before-ready");
        SandboxRecord ready = record.withState(SandboxState.READY);
        store.update(ready);
        lifecycle.podChanged(SandboxViews.status(ready), ContainerEventType.CONTAINER_CREATED_EVENT,
                ready.meta().createdAt());
        lifecycle.podChanged(SandboxViews.status(ready), ContainerEventType.CONTAINER_STARTED_EVENT, nowNanos());
        LOG.info("sandbox {}: ready ({}/{} attempt {}, handler {})", id, record.meta().namespace(),
                record.meta().name(), record.meta().attempt(), handler);
        return id;
    }

    private String cgroupParent(PodSandboxConfig config) {
        return config.getLinux().getCgroupParent().isEmpty() ? settings.cgroupParent()
                : config.getLinux().getCgroupParent();
    }

    /** The record in state CREATING, with every path the sandbox will have, so an undo knows what to look for. */
    private SandboxRecord newRecord(String id, PodSandboxConfig config, String handler) throws IOException {
        NamespaceOption ns = config.getLinux().getSecurityContext().getNamespaceOptions();
        boolean ownNet = ns.getNetwork() != NamespaceMode.NODE;
        boolean ownIpc = ns.getIpc() != NamespaceMode.NODE;
        String parent = cgroupParent(config);
        Path dir = store.dirOf(id);
        PodSandboxMetadata md = config.getMetadata();
        SandboxRecord.Meta meta = new SandboxRecord.Meta(id, md.getName(), md.getNamespace(), md.getUid(),
                md.getAttempt(), EpochNanos.now(clock), config.getLabelsMap(),
                config.getAnnotationsMap(), config.toByteArray(), handler,
                ownNet ? pinner.path(NsType.NET, id).toString() : null,
                ownIpc ? pinner.path(NsType.IPC, id).toString() : null,
                ownNet ? pinner.path(NsType.UTS, id).toString() : null,
                ownNet ? podHostname(config) : hostHostname(), dir.resolve("hostname").toString(),
                dir.resolve("hosts").toString(), dir.resolve("resolv.conf").toString(),
                ownIpc ? files.shmPath(id).toString() : null, cgroups.podCgroup(parent, id),
                config.getLogDirectory());
        return new SandboxRecord(meta, new SandboxRecord.Status(SandboxState.CREATING, "", List.of(), 0, null));
    }

    /** The pod's own network, UTS and IPC namespaces, with its hostname and sysctls set in them. */
    private Map<NsType, Path> pinNamespaces(SandboxRecord r, PodSandboxConfig config, Rollback rollback) {
        Set<NsType> types = EnumSet.noneOf(NsType.class);
        if (!r.hostNetwork()) {
            types.add(NsType.NET);
            types.add(NsType.UTS);
        }
        if (r.meta().ipcnsPath() != null) {
            types.add(NsType.IPC);
        }
        rollback.add("unpin namespaces", () -> pinner.unpin(r.id()));
        Map<NsType, Path> pinned = pinner.pin(r.id(), types, r.meta().hostname());
        try {
            pinner.applySysctls(r.id(), pinned, config.getLinux().getSysctlsMap());
        } catch (OciException e) {
            // The names were checked; what the kernel refuses now is the value.
            throw CriException.invalid("sandbox " + r.id() + ": " + e.getMessage());
        }
        return pinned;
    }

    private void createCgroup(SandboxRecord r, PodSandboxConfig config, Rollback rollback) {
        rollback.add("remove cgroup " + r.meta().cgroupParent(), () -> cgroups.remove(r.meta().cgroupParent()));
        cgroups.create(r.meta().cgroupParent(), resources(config.getLinux().getResources())
                .plus(resources(config.getLinux().getOverhead())));
    }

    /** CNI ADD for a pod with its own network; the record with the IPs it got. */
    private SandboxRecord attachNetwork(SandboxRecord r, PodSandboxConfig config, Rollback rollback) {
        if (r.hostNetwork()) {
            return r;
        }
        rollback.add("CNI DEL", () -> network.detach(r.id()));
        List<String> ips = network.attach(r.id(), r.meta().netnsPath(), config, podCidr.get()).ips();
        LOG.info("sandbox {}: network attached, IPs {}", r.id(), ips);
        FaultPoints.hit("sandbox.after-cni");
        return r.withNetwork(ips.isEmpty() ? "" : ips.getFirst(), ips.size() > 1 ? ips.subList(1, ips.size())
                : List.of());
    }

    /** hostname, hosts and resolv.conf for the containers to mount, and the shm tmpfs of a pod's own IPC. */
    private void writeFiles(SandboxRecord r, PodSandboxConfig config, Rollback rollback) throws IOException {
        files.write(store.dirOf(r.id()), r.meta().hostname(), r.status().ip(), config.getDnsConfig());
        if (r.meta().shmPath() != null) {
            rollback.add("unmount shm", () -> files.unmountShm(r.id()));
            files.mountShm(r.id());
        }
    }

    /** The infra process as PID 1 of the pod's shared PID namespace, in the pod's other namespaces and cgroup. */
    private SandboxRecord startInfra(SandboxRecord r, Map<NsType, Path> pinned, Rollback rollback) {
        rollback.add("kill infra process", () -> InfraProcess.kill(infraPid(r.id()), infraName()));
        int pid = InfraProcess.start(r.id(), List.of(infraBinary(), "-P"), pinned);
        SandboxRecord withInfra = r.withInfra(pid, InfraProcess.pidNamespace(pid).toString());
        // Recorded before anything else can fail, so the undo (here or in recovery) finds the process.
        store.update(withInfra);
        cgroups.addProcess(r.meta().cgroupParent(), pid);
        return withInfra;
    }

    /** Stops what runs for the sandbox: infra process, network, shm. Every step runs; failures are returned. */
    private List<Exception> tearDown(SandboxRecord r) {
        List<Exception> failures = new ArrayList<>();
        attempt(failures, () -> InfraProcess.kill(r.status().infraPid(), infraName()));
        attempt(failures, () -> network.detach(r.id()));
        attempt(failures, () -> files.unmountShm(r.id()));
        return failures;
    }

    /** Tears down and deletes everything of the sandbox; on failure the record stays for a retry. */
    private void destroy(SandboxRecord r) {
        List<Exception> failures = tearDown(r);
        throwFirst(r.id(), "removing", failures);
        pinner.unpin(r.id());
        cgroups.remove(r.meta().cgroupParent());
        store.delete(r.id());
        names.release(nameOf(r.meta()), r.id());
    }

    private boolean intact(SandboxRecord r) {
        boolean nsOk = r.meta().netnsPath() == null || Files.exists(Path.of(r.meta().netnsPath()));
        boolean infraOk = r.status().infraPid() == 0 || InfraProcess.isInfra(r.status().infraPid(), infraName());
        return nsOk && infraOk;
    }

    private int infraPid(String id) {
        return store.get(id).map(r -> r.status().infraPid()).orElse(0);
    }

    private String infraBinary() {
        return Executables.find(settings.infraBinary()).map(Path::toString).orElseThrow(() ->
                new CriException(ErrorKind.FAILED_PRECONDITION, "infra binary '"
                        + settings.infraBinary() + "' not found; install catatonit or set runtime.infra_binary"));
    }

    private String infraName() {
        return Path.of(settings.infraBinary()).getFileName().toString();
    }

    private static CgroupResources resources(LinuxContainerResources r) {
        return new CgroupResources(r.getCpuShares(), r.getCpuQuota(), r.getCpuPeriod(), r.getMemoryLimitInBytes(),
                r.getCpusetCpus(), r.getCpusetMems());
    }

    private long nowNanos() {
        return EpochNanos.now(clock);
    }

    private static String podHostname(PodSandboxConfig config) {
        String h = config.getHostname().isEmpty() ? config.getMetadata().getName() : config.getHostname();
        return h.length() > MAX_HOSTNAME ? h.substring(0, MAX_HOSTNAME) : h;
    }

    private static String hostHostname() throws IOException {
        return KernelFiles.read(Path.of("/proc/sys/kernel/hostname"));
    }

    private static String nameOf(SandboxRecord.Meta m) {
        return nameOf(m.name(), m.namespace(), m.uid(), m.attempt());
    }

    private static String nameOf(String name, String namespace, String uid, int attempt) {
        return name + "_" + namespace + "_" + uid + "_" + attempt;
    }

    private static void attempt(List<Exception> failures, Rollback.Undo step) {
        try {
            step.run();
        } catch (Exception e) {
            failures.add(e);
        }
    }

    private static void throwFirst(String id, String doing, List<Exception> failures) {
        if (failures.isEmpty()) {
            return;
        }
        Exception first = failures.getFirst();
        failures.stream().skip(1).forEach(first::addSuppressed);
        LOG.warn("sandbox {}: {} left work undone, retried on the next call: {}", id, doing, first.getMessage());
        if (first instanceof RuntimeException re) {
            throw re;
        }
        throw new CriException(ErrorKind.INTERNAL, "sandbox " + id + ": " + doing + ": "
                + first.getMessage(), first);
    }
}
