package io.jcri.runtime.container;

import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.Container;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.ContainerEventType;
import io.jcri.cri.v1.ContainerFilter;
import io.jcri.cri.v1.ContainerStatusResponse;
import io.jcri.cri.v1.ExecSyncResponse;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.cri.v1.MountPropagation;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.image.ImageRecord;
import io.jcri.image.ImageService;
import io.jcri.oci.OciException;
import io.jcri.oci.faults.FaultPoints;
import io.jcri.oci.fs.AtomicFiles;
import io.jcri.oci.monitor.Conmon;
import io.jcri.oci.mount.Propagation;
import io.jcri.oci.mount.RootfsOverlay;
import io.jcri.oci.runtime.ExecResult;
import io.jcri.oci.runtime.OciRuntime;
import io.jcri.oci.runtime.OciRuntimes;
import io.jcri.oci.spec.OciSpec;
import io.jcri.oci.spec.OciSpecJson;
import io.jcri.runtime.RuntimeServiceException;
import io.jcri.runtime.events.ContainerLifecycle;
import io.jcri.runtime.sandbox.PodContainers;
import io.jcri.runtime.sandbox.PodUserNamespace;
import io.jcri.runtime.sandbox.SandboxRecord;
import io.jcri.runtime.sandbox.SandboxService;
import io.jcri.runtime.sandbox.SandboxState;
import io.jcri.runtime.state.Ids;
import io.jcri.runtime.state.KeyedLocks;
import io.jcri.runtime.state.NameRegistry;
import io.jcri.runtime.state.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The containers of the node: create, start, stop, remove, status, list, exec, log reopening and resource
 * updates. Each container runs under conmon with its sandbox's OCI runtime; its record on disk is the truth and
 * the exit file conmon writes moves it to EXITED.
 */
public final class ContainerService implements PodContainers {
    private static final Logger LOG = LoggerFactory.getLogger(ContainerService.class);
    /** ExecSync output beyond this, per stream, is dropped (as containerd and CRI-O cap it). */
    public static final int MAX_EXEC_OUTPUT = 16 << 20;
    private static final Duration CREATE_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private final StateStore<ContainerRecord> store;
    private final NameRegistry names = new NameRegistry("container");
    private final KeyedLocks locks = new KeyedLocks();
    private final SandboxService sandboxes;
    private final ImageService images;
    private final OciRuntimes runtimes;
    private final Conmon conmon;
    private final SpecBuilder specs;
    private volatile ContainerLifecycle lifecycle = ContainerLifecycle.NONE;

    public ContainerService(StateStore<ContainerRecord> store, SandboxService sandboxes, ImageService images,
                            OciRuntimes runtimes, Conmon conmon, SpecBuilder specs) {
        this.store = store;
        this.sandboxes = sandboxes;
        this.images = images;
        this.runtimes = runtimes;
        this.conmon = conmon;
        this.specs = specs;
    }

    /** Opens the container store and prepares the OCI runtimes and the monitor from the settings. */
    public static ContainerService open(ContainerSettings s, SandboxService sandboxes, ImageService images) {
        Ulimits ulimits = Ulimits.of(s.ulimits());
        OciRuntimes runtimes = OciRuntimes.create(s.handlers(), s.runRoot(), Duration.ofSeconds(30));
        runtimes.all().forEach((name, rt) -> rt.problem().ifPresentOrElse(
                p -> LOG.warn("runtime handler {} is not ready: {}", name, p),
                () -> LOG.info("runtime handler {}: {} {}", name, rt.executable(), rt.globalArgs())));
        Path conmonBinary = io.jcri.oci.Executables.find(s.conmon()).orElse(Path.of(s.conmon()));
        Conmon conmon = new Conmon(conmonBinary, s.runRoot().resolve("conmon"), s.runRoot().resolve("exits"),
                ulimits.byNumber());
        SpecBuilder specs = new SpecBuilder(SpecBuilder.NodeSettings.detect(ulimits.rlimits(), s.cgroupV2()),
                new HostDevices());
        StateStore<ContainerRecord> store = StateStore.open(s.stateRoot().resolve("containers"),
                ContainerRecord.class, ContainerRecord::id);
        return new ContainerService(store, sandboxes, images, runtimes, conmon, specs);
    }

    /** Registers who hears of containers created, started, stopped and removed (GetContainerEvents). */
    public void useLifecycle(ContainerLifecycle listener) {
        this.lifecycle = Objects.requireNonNull(listener);
    }

    /** The directory conmon writes exit files to, one named by each exited container's id. */
    public Path exitDir() {
        return conmon.exitDir();
    }

    /** Records the exit of container {@code id} now that its exit file appeared; unknown names are ignored. */
    public void exitObserved(String id) {
        store.get(id).ifPresent(this::refreshQuietly);
    }

    /** Brings the records found on disk up to date (containers that exited while jcri was away) and claims names. */
    public void recover() {
        store.orphans().forEach(this::removeHalfMade);
        for (ContainerRecord r : store.all()) {
            names.claim(nameKey(r.name(), r.attempt(), r.sandboxId()), r.id());
            locks.run(r.id(), () -> {
                markStartedIfRunning(refresh(r));
                markExitedIfUnmonitored(r.id());
            });
        }
        LOG.info("recovered {} container(s)", store.all().size());
    }

    /**
     * Undoes a create the previous daemon died in before recording it: the runtime's container (which ends its
     * conmon), the monitor files, the rootfs mount and the directory.
     */
    private void removeHalfMade(String id) {
        LOG.warn("container {}: found half-made at start (no record); removing it", id);
        for (OciRuntime rt : runtimes.all().values()) {
            try {
                rt.delete(id);
            } catch (OciException e) {
                LOG.warn("container {}: {} could not delete it: {}", id, rt.handler(), e.getMessage());
            }
        }
        if (!conmon.awaitMonitorExit(id, KILL_WAIT)) {
            LOG.warn("container {}: its conmon still runs {}s after the container was deleted", id,
                    KILL_WAIT.toSeconds());
        }
        conmon.forget(id);
        RootfsOverlay.unmount(store.dirOf(id));
        store.delete(id);
    }

    /**
     * A container with neither an exit file nor a live conmon (the host rebooted, or conmon was killed): nobody
     * will ever write its exit code, so it is recorded as exited with an unknown one.
     */
    private void markExitedIfUnmonitored(String id) {
        store.get(id).filter(r -> r.state() != ContainerRecord.State.EXITED && !conmon.monitorAlive(id))
                .ifPresent(r -> {
                    LOG.warn("container {}: its monitor is gone without an exit code; marking it exited", id);
                    store.put(r.exited(nowNanos(), 255, "Unknown", "the container's monitor (conmon) is gone: "
                            + "the host rebooted or it was killed"));
                });
    }

    /** A start the previous daemon died in after the runtime started the process: the record catches up. */
    private void markStartedIfRunning(ContainerRecord r) {
        if (r.state() == ContainerRecord.State.CREATED && runtimeOf(r).state(r.id())
                .filter(s -> s.status().equals("running")).isPresent()) {
            // The real start time is lost with the daemon; the time it was noticed is the closest known.
            store.put(r.started(nowNanos()));
            LOG.warn("container {}: found running though recorded as created; marked running", r.id());
        }
    }

    public String create(String sandboxId, ContainerConfig config) {
        SandboxRecord sandbox = sandboxes.require(sandboxId);
        if (sandbox.state() != SandboxState.READY) {
            throw new RuntimeServiceException(ErrorKind.FAILED_PRECONDITION, "pod sandbox " + sandbox.id()
                    + " is not ready (" + sandbox.state() + "); cannot create containers in it");
        }
        if (config.getMetadata().getName().isEmpty()) {
            throw RuntimeServiceException.invalid("container config has no metadata name");
        }
        return names.create(nameKey(config.getMetadata().getName(), config.getMetadata().getAttempt(), sandbox.id()),
                () -> build(sandbox, config));
    }

    private String build(SandboxRecord sandbox, ContainerConfig config) {
        ImageRecord image = images.require(config.getImage().getImage());
        OciRuntime runtime = runtimeOf(sandbox);
        String id = Ids.newId();
        Path dir = store.dirOf(id);
        boolean mounted = false;
        boolean monitored = false;
        try {
            Path rootfs = RootfsOverlay.mount(dir, images.layerDirs(image));
            mounted = true;
            FaultPoints.hit("container.after-rootfs");
            if (PodUserNamespace.own(sandbox.config())) {
                RootfsIdShift.shift(rootfs, PodUserNamespace.uidMappings(sandbox.config()),
                        PodUserNamespace.gidMappings(sandbox.config()));
            }
            var sc = config.getLinux().getSecurityContext();
            UserResolver.ResolvedUser user = UserResolver.of(rootfs).resolve(sc.getRunAsUsername(),
                    sc.hasRunAsUser() ? sc.getRunAsUser().getValue() : null,
                    sc.hasRunAsGroup() ? sc.getRunAsGroup().getValue() : null, image.config().user(),
                    sc.getSupplementalGroupsList(), sc.getSupplementalGroupsPolicyValue() == 1);
            OciSpec spec = specs.build(new SpecBuilder.Input(id, config, sandbox, image.config(), rootfs,
                    cgroupsPath(sandbox, id), user, targetPid(config)));
            for (var m : config.getMountsList()) {
                if (m.getPropagation() != MountPropagation.PROPAGATION_PRIVATE) {
                    Propagation.ensureShared(Path.of(m.getHostPath()));
                }
            }
            AtomicFiles.write(dir.resolve("config.json"), OciSpecJson.write(spec));
            String logPath = logPath(sandbox, config);
            long now = nowNanos();
            int stopSignal = stopSignal(config, image);
            int pid = conmon.create(new Conmon.CreateRequest(id, config.getMetadata().getName(), runtime, dir,
                    logPath, config.getTty(), config.getStdin(), config.getStdinOnce(), CREATE_TIMEOUT));
            monitored = true;
            FaultPoints.hit("container.after-create");
            store.put(new ContainerRecord(id, sandbox.id(), config.getMetadata().getName(),
                    config.getMetadata().getAttempt(), ContainerRecord.State.CREATED, now, 0, 0, 0, "", "",
                    config.getImage().getImage(), image.id(), imageRef(image), logPath, pid,
                    config.getLabelsMap(), config.getAnnotationsMap(), config.toByteArray(),
                    config.getLinux().getResources().toByteArray(), sandbox.runtimeHandler(), stopSignal,
                    user.uid(), user.gid(), user.additionalGids()));
            LOG.info("container {}: created {} in sandbox {} from {} (pid {}, handler {})", id,
                    config.getMetadata().getName(), sandbox.id(), image.id(), pid, sandbox.runtimeHandler());
            lifecycle.changed(id, sandbox.id(), ContainerEventType.CONTAINER_CREATED_EVENT, now);
            return id;
        } catch (IOException | OciException | RuntimeServiceException e) {
            undoCreate(id, dir, runtime, mounted, monitored);
            if (e instanceof RuntimeServiceException re) {
                throw re;
            }
            throw new RuntimeServiceException(ErrorKind.INTERNAL, "creating container "
                    + config.getMetadata().getName() + " failed: " + e.getMessage(), e);
        }
    }

    private void undoCreate(String id, Path dir, OciRuntime runtime, boolean mounted, boolean monitored) {
        try {
            if (monitored) {
                runtime.delete(id);
            }
            conmon.forget(id);
            if (mounted) {
                RootfsOverlay.unmount(dir);
            }
            store.delete(id);
        } catch (RuntimeException e) {
            LOG.error("container {}: undoing a failed create left something behind: {}", id, e.getMessage(), e);
        }
    }

    public void start(String idOrPrefix) {
        String id = require(idOrPrefix).id();
        locks.run(id, () -> {
            ContainerRecord r = refresh(require(id));
            if (r.state() != ContainerRecord.State.CREATED) {
                throw new RuntimeServiceException(ErrorKind.FAILED_PRECONDITION, "container " + id + " is "
                        + r.state() + ", not CREATED; only a created container can start");
            }
            // The moment of asking: a short-lived process may have exited before start returns.
            long startedAt = nowNanos();
            try {
                runtimeOf(r).start(id);
                FaultPoints.hit("container.after-start");
            } catch (OciException e) {
                store.put(r.exited(nowNanos(), 128, "StartError", e.getMessage()));
                lifecycle.changed(id, r.sandboxId(), ContainerEventType.CONTAINER_STOPPED_EVENT, nowNanos());
                throw new RuntimeServiceException(ErrorKind.INTERNAL, "starting container " + id + " failed: "
                        + e.getMessage(), e);
            }
            store.put(r.started(startedAt));
            lifecycle.changed(id, r.sandboxId(), ContainerEventType.CONTAINER_STARTED_EVENT, startedAt);
            LOG.info("container {}: started", id);
        });
    }

    /** Stops with the container's stop signal, then SIGKILL after {@code timeoutSeconds}; a stopped one is fine. */
    public void stop(String idOrPrefix, long timeoutSeconds) {
        Optional<ContainerRecord> found = store.find(idOrPrefix);
        if (found.isEmpty()) {
            LOG.info("stop {}: no such container, nothing to do", idOrPrefix);
            return;
        }
        String id = found.get().id();
        locks.run(id, () -> store.get(id).ifPresent(r -> stopLocked(r, timeoutSeconds)));
    }

    private void stopLocked(ContainerRecord found, long timeoutSeconds) {
        ContainerRecord r = refresh(found);
        if (r.state() == ContainerRecord.State.EXITED) {
            return;
        }
        OciRuntime runtime = runtimeOf(r);
        String id = r.id();
        if (timeoutSeconds > 0 && r.state() == ContainerRecord.State.RUNNING) {
            int signal = r.stopSignal() > 0 ? r.stopSignal() : Signals.SIGTERM;
            LOG.info("container {}: stopping with signal {} (timeout {}s)", id, signal, timeoutSeconds);
            runtime.kill(id, signal, false);
            if (awaitExit(id, Duration.ofSeconds(timeoutSeconds))) {
                refresh(require(id));
                return;
            }
        }
        LOG.info("container {}: killing", id);
        runtime.kill(id, Signals.SIGKILL, true);
        if (r.state() == ContainerRecord.State.CREATED) {
            runtime.kill(id, Signals.SIGKILL, false);
        }
        if (!awaitExit(id, KILL_WAIT)) {
            throw new RuntimeServiceException(ErrorKind.INTERNAL, "container " + id + " did not exit within "
                    + KILL_WAIT.toSeconds() + "s of SIGKILL");
        }
        refresh(require(id));
    }

    private boolean awaitExit(String id, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (conmon.exitCode(id).isEmpty()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RuntimeServiceException(ErrorKind.CANCELLED, "interrupted while stopping " + id, e);
            }
        }
        return true;
    }

    /** Removes the container (killing it if it runs); keeps its log file. Unknown ids are fine. */
    public void remove(String idOrPrefix) {
        Optional<ContainerRecord> found = store.find(idOrPrefix);
        if (found.isEmpty()) {
            return;
        }
        String id = found.get().id();
        locks.run(id, () -> {
            Optional<ContainerRecord> current = store.get(id);
            if (current.isEmpty()) {
                return;
            }
            ContainerRecord r = current.get();
            if (refresh(r).state() != ContainerRecord.State.EXITED) {
                stopLocked(r, 0);
            }
            runtimeOf(r).delete(id);
            conmon.forget(id);
            RootfsOverlay.unmount(store.dirOf(id));
            store.delete(id);
            names.release(nameKey(r.name(), r.attempt(), r.sandboxId()), id);
            lifecycle.changed(id, r.sandboxId(), ContainerEventType.CONTAINER_DELETED_EVENT, nowNanos());
            LOG.info("container {}: removed", id);
        });
    }

    public ContainerStatusResponse status(String idOrPrefix, boolean verbose) {
        ContainerRecord r = current(idOrPrefix);
        String spec = null;
        if (verbose) {
            try {
                spec = Files.readString(store.dirOf(r.id()).resolve("config.json"));
            } catch (IOException e) {
                LOG.warn("container {}: cannot read its OCI spec for a verbose status: {}", r.id(), e.getMessage());
            }
        }
        return ContainerViews.status(r, verbose, spec);
    }

    public List<Container> list(ContainerFilter filter) {
        Set<String> exited = conmon.exitedIds();
        return store.all().stream().map(r -> exited.contains(r.id()) ? refreshQuietly(r) : r)
                .filter(r -> ContainerViews.matches(r, filter)).map(ContainerViews::container).toList();
    }

    public ExecSyncResponse execSync(String idOrPrefix, List<String> cmd, long timeoutSeconds) {
        ContainerRecord r = current(idOrPrefix);
        if (r.state() != ContainerRecord.State.RUNNING) {
            throw new RuntimeServiceException(ErrorKind.FAILED_PRECONDITION, "container " + r.id() + " is "
                    + r.state() + ", not running");
        }
        if (cmd.isEmpty()) {
            throw RuntimeServiceException.invalid("exec needs a command");
        }
        OciSpec.Process process = specOf(r).process().withArgs(cmd, false);
        Path work = conmon.dirOf(r.id()).resolve("exec-" + Ids.newId().substring(0, 12));
        try {
            Files.createDirectories(work);
            ExecResult res = runtimeOf(r).exec(r.id(), process, Duration.ofSeconds(timeoutSeconds), MAX_EXEC_OUTPUT,
                    work);
            if (res.timedOut()) {
                throw new RuntimeServiceException(ErrorKind.DEADLINE_EXCEEDED, "command " + cmd + " in container "
                        + r.id() + " timed out after " + timeoutSeconds + "s");
            }
            return ExecSyncResponse.newBuilder().setExitCode(res.exitCode())
                    .setStdout(com.google.protobuf.ByteString.copyFrom(res.stdout()))
                    .setStderr(com.google.protobuf.ByteString.copyFrom(res.stderr())).build();
        } catch (IOException e) {
            throw new RuntimeServiceException(ErrorKind.INTERNAL, "exec in " + r.id() + ": " + e.getMessage(), e);
        } catch (OciException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new RuntimeServiceException(ErrorKind.CANCELLED, "exec of " + cmd + " in " + r.id()
                        + " cancelled; the command was killed", e);
            }
            throw e;
        } finally {
            deleteQuietly(work);
        }
    }

    /** What a streaming exec or attach needs of a running container: its runtime, process spec and directories. */
    public record StreamTarget(String id, OciRuntime runtime, OciSpec.Process process, Path bundle,
                               Path monitorDir) {
    }

    /** The running container {@code idOrPrefix} as a streaming target; NOT_FOUND or FAILED_PRECONDITION otherwise. */
    public StreamTarget streamTarget(String idOrPrefix) {
        ContainerRecord r = current(idOrPrefix);
        if (r.state() != ContainerRecord.State.RUNNING) {
            throw new RuntimeServiceException(ErrorKind.FAILED_PRECONDITION, "container " + r.id() + " is "
                    + r.state() + ", not running");
        }
        return new StreamTarget(r.id(), runtimeOf(r), specOf(r).process(), store.dirOf(r.id()),
                conmon.dirOf(r.id()));
    }

    /** Makes conmon reopen the log file after kubelet rotated it, and waits until the new file exists. */
    public void reopenLog(String idOrPrefix) {
        ContainerRecord r = current(idOrPrefix);
        if (r.state() != ContainerRecord.State.RUNNING) {
            throw new RuntimeServiceException(ErrorKind.FAILED_PRECONDITION, "container " + r.id() + " is "
                    + r.state() + ", not running; its log cannot be reopened");
        }
        if (r.logPath().isEmpty()) {
            return;
        }
        conmon.reopenLog(r.id(), store.dirOf(r.id()));
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!Files.exists(Path.of(r.logPath())) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    public void updateResources(String idOrPrefix, LinuxContainerResources resources) {
        String id = require(idOrPrefix).id();
        locks.run(id, () -> {
            ContainerRecord r = refresh(require(id));
            if (r.state() == ContainerRecord.State.EXITED) {
                throw new RuntimeServiceException(ErrorKind.FAILED_PRECONDITION, "container " + id
                        + " has exited; its resources cannot change");
            }
            runtimeOf(r).update(id, specs.resources(resources));
            store.put(r.withResources(resources));
        });
    }

    /**
     * The configured handlers with what they can do, for Status: both runc 1.1 and crun 1.8 apply recursive
     * read-only mounts ("rro"); only crun runs pods in their own user namespace. The default handler is listed
     * under the empty name too, as CRI asks.
     */
    public List<io.jcri.cri.v1.RuntimeHandler> runtimeHandlers() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(""),
                runtimes.all().keySet().stream().sorted()).map(name -> io.jcri.cri.v1.RuntimeHandler.newBuilder()
                .setName(name).setFeatures(io.jcri.cri.v1.RuntimeHandlerFeatures.newBuilder()
                        .setRecursiveReadOnlyMounts(true).setUserNamespaces(sandboxes.userNamespaces(name)))
                .build()).toList();
    }

    /** Kills what still runs in the sandbox: kubelet has given each container its grace period already. */
    @Override
    public void stopAll(String sandboxId) {
        for (ContainerRecord r : store.all()) {
            if (r.sandboxId().equals(sandboxId)) {
                stop(r.id(), 0);
            }
        }
    }

    @Override
    public void removeAll(String sandboxId) {
        for (ContainerRecord r : store.all()) {
            if (r.sandboxId().equals(sandboxId)) {
                remove(r.id());
            }
        }
    }

    private ContainerRecord current(String idOrPrefix) {
        String id = require(idOrPrefix).id();
        return locks.with(id, () -> refresh(require(id)));
    }

    private ContainerRecord require(String idOrPrefix) {
        return store.find(idOrPrefix).orElseThrow(() ->
                RuntimeServiceException.notFound("container '" + idOrPrefix + "' not found"));
    }

    /** Moves a created or running container whose exit file exists to EXITED; callers hold its lock. */
    private ContainerRecord refresh(ContainerRecord r) {
        if (r.state() == ContainerRecord.State.EXITED) {
            return r;
        }
        Optional<Integer> code = conmon.exitCode(r.id());
        if (code.isEmpty()) {
            return r;
        }
        boolean oom = conmon.oomKilled(r.id(), store.dirOf(r.id()));
        String reason = oom ? "OOMKilled" : code.get() == 0 ? "Completed" : "Error";
        ContainerRecord exited = r.exited(Math.max(conmon.exitedAtNanos(r.id()), r.startedAt()), code.get(), reason,
                "");
        store.put(exited);
        lifecycle.changed(r.id(), r.sandboxId(), ContainerEventType.CONTAINER_STOPPED_EVENT, exited.finishedAt());
        LOG.info("container {}: exited with {} ({})", r.id(), code.get(), reason);
        return exited;
    }

    private ContainerRecord refreshQuietly(ContainerRecord r) {
        if (r.state() == ContainerRecord.State.EXITED) {
            return r;
        }
        return locks.with(r.id(), () -> store.get(r.id()).map(this::refresh).orElse(r));
    }

    private OciSpec specOf(ContainerRecord r) {
        try {
            return OciSpecJson.read(Files.readAllBytes(store.dirOf(r.id()).resolve("config.json")));
        } catch (IOException e) {
            throw new RuntimeServiceException(ErrorKind.INTERNAL, "container " + r.id() + " has no readable "
                    + "config.json: " + e.getMessage(), e);
        }
    }

    private OciRuntime runtimeOf(SandboxRecord s) {
        OciRuntime rt = runtimes.forHandler(s.runtimeHandler()).orElseThrow(() ->
                RuntimeServiceException.invalid("runtime handler '" + s.runtimeHandler() + "' is not configured"));
        rt.problem().ifPresent(p -> {
            throw new RuntimeServiceException(ErrorKind.FAILED_PRECONDITION, "runtime handler '"
                    + s.runtimeHandler() + "' is not ready: " + p);
        });
        return rt;
    }

    private OciRuntime runtimeOf(ContainerRecord r) {
        return runtimes.forHandler(r.runtimeHandler()).orElseThrow(() -> new RuntimeServiceException(
                ErrorKind.INTERNAL, "container " + r.id() + " uses handler '" + r.runtimeHandler()
                + "', which is no longer configured"));
    }

    private int targetPid(ContainerConfig config) {
        var ns = config.getLinux().getSecurityContext().getNamespaceOptions();
        if (ns.getPid() != NamespaceMode.TARGET) {
            return 0;
        }
        ContainerRecord target = store.find(ns.getTargetId()).orElseThrow(() -> RuntimeServiceException.notFound(
                "target container '" + ns.getTargetId() + "' of the PID namespace not found"));
        return target.state() == ContainerRecord.State.EXITED ? 0 : target.pid();
    }

    private static String cgroupsPath(SandboxRecord s, String id) {
        String parent = s.cgroupParent() == null ? "" : s.cgroupParent();
        return (parent.startsWith("/") ? parent : "/" + parent).replaceAll("/+$", "") + "/" + id;
    }

    private static String logPath(SandboxRecord s, ContainerConfig c) throws IOException {
        if (s.logDirectory().isEmpty() || c.getLogPath().isEmpty()) {
            return "";
        }
        Path p = Path.of(s.logDirectory()).resolve(c.getLogPath()).normalize();
        if (!p.startsWith(Path.of(s.logDirectory()).normalize())) {
            throw RuntimeServiceException.invalid("log path '" + c.getLogPath() + "' leaves the log directory");
        }
        Files.createDirectories(p.getParent());
        return p.toString();
    }

    private static int stopSignal(ContainerConfig c, ImageRecord image) {
        int fromConfig = Signals.of(c.getStopSignal());
        if (fromConfig > 0) {
            return fromConfig;
        }
        int fromImage = Signals.parse(image.config().stopSignal());
        return fromImage > 0 ? fromImage : Signals.SIGTERM;
    }

    private static String imageRef(ImageRecord image) {
        return image.repoDigests().isEmpty() ? image.id() : image.repoDigests().getFirst();
    }

    /** A container name is unique within its sandbox for one attempt, as kubelet names them. */
    private static String nameKey(String name, int attempt, String sandboxId) {
        return sandboxId + "/" + name + "/" + attempt;
    }

    static long nowNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static void deleteQuietly(Path dir) {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", dir, e.getMessage());
        }
    }
}
