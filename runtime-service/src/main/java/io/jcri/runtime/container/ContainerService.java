package io.jcri.runtime.container;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.KeyedLocks;
import io.jcri.cri.v1.Container;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.ContainerEventType;
import io.jcri.cri.v1.ContainerFilter;
import io.jcri.cri.v1.ContainerStatus;
import io.jcri.cri.v1.ContainerStatusResponse;
import io.jcri.cri.v1.ExecSyncResponse;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.image.ImageLeases;
import io.jcri.image.ImageService;
import io.jcri.oci.OciException;
import io.jcri.oci.checkpoint.Criu;
import io.jcri.oci.faults.FaultPoints;
import io.jcri.oci.monitor.Conmon;
import io.jcri.oci.monitor.ContainerMonitor;
import io.jcri.oci.monitor.ConmonExec;
import io.jcri.oci.runtime.ExecResult;
import io.jcri.oci.runtime.OciRuntime;
import io.jcri.oci.runtime.OciRuntimes;
import io.jcri.oci.spec.OciSpec;
import io.jcri.oci.spec.OciSpecJson;
import io.jcri.oci.sys.Syscalls;
import io.jcri.runtime.cdi.CdiRegistry;
import io.jcri.runtime.events.ContainerLifecycle;
import io.jcri.runtime.sandbox.PodContainers;
import io.jcri.runtime.sandbox.PodSandboxes;
import io.jcri.runtime.sandbox.SandboxRecord;
import io.jcri.runtime.sandbox.SandboxService;
import io.jcri.runtime.state.EpochNanos;
import io.jcri.runtime.state.NameRegistry;
import io.jcri.runtime.state.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The containers of the node: create, start, stop, remove, status, list, exec, log reopening and resource
 * updates. Each container runs under conmon with its sandbox's OCI runtime; its record on disk is the truth and
 * the exit file conmon writes moves it to EXITED.
 */
public final class ContainerService implements PodContainers {
    private static final Logger LOG = LoggerFactory.getLogger(ContainerService.class);
    /**
     * ExecSync output kept, stdout and stderr together; the rest is dropped. Kubelet receives messages of at most
     * 16 MiB, so the response with its framing must stay below that.
     */
    public static final int MAX_EXEC_OUTPUT = (16 << 20) - (64 << 10);
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    /** How long ReopenContainerLog waits for conmon to create the new log file. */
    private static final Duration REOPEN_WAIT = Duration.ofSeconds(5);
    /** A checkpoint's deadline when the caller gives none. */
    private static final Duration CHECKPOINT_TIMEOUT = Duration.ofMinutes(10);

    private final StateStore<ContainerRecord> store;
    private final NameRegistry names = new NameRegistry("container");
    private final KeyedLocks locks = new KeyedLocks();
    /**
     * Containers a stop has sent their stop signal to. A later stop does not send it again (as containerd's stop
     * sends it once): it waits out its own grace period and then kills.
     */
    private final Set<String> stopSignalled = ConcurrentHashMap.newKeySet();
    private final PodSandboxes sandboxes;
    private final OciRuntimes runtimes;
    private final ContainerMonitor monitor;
    private final ConmonExec execs;
    private final SpecBuilder specs;
    private final ContainerExits exits;
    private final ContainerCreator creator;
    private final RootfsMounter rootfs;
    private final Checkpointer checkpointer;
    private final Clock clock;
    private final ContainerLifecycle lifecycle;
    /** Monotonic nanoseconds, for the waits of stop and ReopenContainerLog. */
    private final LongSupplier ticker;

    /**
     * @param images    the image store ({@link ImageService}); a seam for tests, as are {@code sandboxes}
     * @param monitor   the per-container monitor (conmon); with {@code rootfs} and {@code clock} a seam for tests
     * @param lifecycle who hears of containers created, started, stopped and removed (GetContainerEvents)
     * @param clock     the wall clock of created, started and finished times
     * @param ticker    the monotonic nanoseconds ({@code System::nanoTime}) that stop grace periods and the wait for
     *                  a reopened log file are measured on
     */
    public ContainerService(StateStore<ContainerRecord> store, PodSandboxes sandboxes, ImageLeases images,
                            OciRuntimes runtimes, ContainerMonitor monitor, ConmonExec execs, SpecBuilder specs,
                            RootfsMounter rootfs, Criu criu, CdiRegistry cdi, ContainerLifecycle lifecycle,
                            Clock clock, LongSupplier ticker) {
        this.store = store;
        this.lifecycle = Objects.requireNonNull(lifecycle);
        this.checkpointer = new Checkpointer(store, criu);
        this.rootfs = rootfs;
        this.clock = clock;
        this.ticker = ticker;
        this.sandboxes = sandboxes;
        this.runtimes = runtimes;
        this.monitor = monitor;
        this.execs = execs;
        this.specs = specs;
        this.exits = new ContainerExits(store, monitor, lifecycle, ticker, ContainerExits.RECHECK);
        this.creator = new ContainerCreator(store, images, monitor, specs, rootfs,
                new CdiInjection(cdi, new HostDevices()), this::nowNanos, lifecycle, criu);
    }

    /** Opens the container store and prepares the OCI runtimes and the monitor from the settings. */
    public static ContainerService open(ContainerSettings s, SandboxService sandboxes, ImageService images,
                                        ContainerLifecycle lifecycle) {
        Ulimits ulimits = Ulimits.of(s.ulimits());
        OciRuntimes runtimes = OciRuntimes.create(s.handlers(), s.runRoot(), Duration.ofSeconds(30));
        runtimes.all().forEach((name, rt) -> rt.problem().ifPresentOrElse(
                p -> LOG.warn("runtime handler {} is not ready: {}", name, p),
                () -> LOG.info("runtime handler {}: {} {}", name, rt.executable(), rt.globalArgs())));
        Path conmonBinary = io.jcri.oci.Executables.find(s.conmon()).orElse(Path.of(s.conmon()));
        Criu criu = Criu.probe(s.criu());
        ContainerMonitor monitor = new Conmon(conmonBinary, s.runRoot().resolve("conmon"),
                s.runRoot().resolve("exits"), ulimits.byNumber(), criu.path());
        SpecBuilder specs = new SpecBuilder(SpecBuilder.NodeSettings.detect(ulimits.rlimits(), s.cgroupV2()),
                new HostDevices());
        StateStore<ContainerRecord> store = StateStore.open(s.stateRoot().resolve("containers"),
                ContainerRecord.SHAPE);
        return new ContainerService(store, sandboxes, images, runtimes, monitor,
                new ConmonExec(conmonBinary, s.runRoot().resolve("conmon")), specs, RootfsMounter.OVERLAY, criu,
                new CdiRegistry(s.cdiSpecDirs()), lifecycle, Clock.systemUTC(), System::nanoTime);
    }

    /** The directory conmon writes exit files to, one named by each exited container's id. */
    public Path exitDir() {
        return monitor.exitDir();
    }

    /** Records the exit of container {@code id} now that its exit file appeared; unknown names are ignored. */
    public void exitObserved(String id) {
        store.get(id).ifPresent(r -> locks.run(r.id(), () -> store.get(r.id()).map(exits::refresh)));
        exits.observed(id);
    }

    /** Brings the records found on disk up to date (containers that exited while jcri was away) and claims names. */
    public void recover() {
        store.orphans().forEach(this::removeHalfMade);
        for (ContainerRecord r : store.all()) {
            names.claim(nameKey(r.meta().name(), r.meta().attempt(), r.sandboxId()), r.id());
            locks.run(r.id(), () -> {
                if (checkpointer.unfinished(r.id())) {
                    LOG.warn("container {}: a checkpoint was under way when the daemon stopped; removing what it "
                            + "left", r.id());
                    runtimes.forHandler(r.meta().runtimeHandler()).ifPresent(rt -> checkpointer.cleanUp(r.id(), rt));
                }
                markStartedIfRunning(exits.refresh(r));
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
        if (!monitor.awaitMonitorExit(id, KILL_WAIT)) {
            LOG.warn("container {}: its conmon still runs {}s after the container was deleted", id,
                    KILL_WAIT.toSeconds());
        }
        monitor.forget(id);
        rootfs.unmount(store.dirOf(id));
        store.delete(id);
    }

    /**
     * A container with neither an exit file nor a live conmon (the host rebooted, or conmon was killed): nobody
     * will ever write its exit code, so it is recorded as exited with an unknown one.
     */
    private void markExitedIfUnmonitored(String id) {
        store.get(id).filter(r -> r.state() != ContainerRecord.State.EXITED && !monitor.monitorAlive(id)
                        && !(r.state() == ContainerRecord.State.CREATED && creator.restorePending(id)))
                .ifPresent(r -> {
                    LOG.warn("container {}: its monitor is gone without an exit code; marking it exited", id);
                    store.update(r.exited(nowNanos(), 255, "Unknown", "the container's monitor (conmon) is gone: "
                            + "the host rebooted or it was killed"));
                });
    }

    /** A start the previous daemon died in after the runtime started the process: the record catches up. */
    private void markStartedIfRunning(ContainerRecord r) {
        if (r.state() == ContainerRecord.State.CREATED && runtimeOf(r).state(r.id())
                .filter(s -> s.status().equals("running")).isPresent()) {
            // The real start time is lost with the daemon; the time it was noticed is the closest known.
            store.update(r.started(nowNanos()));
            LOG.warn("container {}: found running though recorded as created; marked running", r.id());
        }
    }

    /**
     * Creates a container in a ready sandbox, which stays held ready until the container exists (a concurrent
     * StopPodSandbox waits, and one that began first makes this FAILED_PRECONDITION). A retry of a create in
     * flight for the same name joins it.
     */
    public String create(String sandboxId, ContainerConfig config) {
        if (config.getMetadata().getName().isEmpty()) {
            throw CriException.invalid("container config has no metadata name");
        }
        String podId = sandboxes.require(sandboxId).id();
        return names.create(nameKey(config.getMetadata().getName(), config.getMetadata().getAttempt(), podId),
                () -> sandboxes.whileReady(podId, sandbox -> creator.create(sandbox, runtimeOf(sandbox), config,
                        ContainerCreator.targetPid(config, store))));
    }

    public void start(String idOrPrefix) {
        ContainerRecord found = require(idOrPrefix);
        String id = found.id();
        sandboxes.whileReady(found.sandboxId(), sandbox -> locks.with(id, () -> {
            ContainerRecord r = exits.refresh(require(id));
            if (r.state() != ContainerRecord.State.CREATED) {
                throw new CriException(ErrorKind.FAILED_PRECONDITION, "container " + id + " is "
                        + r.state() + ", not CREATED; only a created container can start");
            }
            // The moment of asking: a short-lived process may have exited before start returns.
            long startedAt = nowNanos();
            int restoredPid = 0;
            try {
                if (creator.restorePending(id)) {
                    restoredPid = creator.restore(r, runtimeOf(r));
                } else {
                    runtimeOf(r).start(id);
                }
                FaultPoints.hit("container.after-start");
            } catch (OciException e) {
                store.update(r.exited(nowNanos(), 128, "StartError", e.getMessage()));
                lifecycle.changed(id, r.sandboxId(), ContainerEventType.CONTAINER_STOPPED_EVENT, nowNanos());
                throw new CriException(ErrorKind.INTERNAL, "starting container " + id + " failed: "
                        + e.getMessage(), e);
            }
            store.update(restoredPid > 0 ? r.restored(startedAt, restoredPid) : r.started(startedAt));
            if (restoredPid > 0) {
                creator.restoreDone(id);
            }
            lifecycle.changed(id, r.sandboxId(), ContainerEventType.CONTAINER_STARTED_EVENT, startedAt);
            LOG.info("container {}: {}", id, restoredPid > 0 ? "restored from its checkpoint" : "started");
            return null;
        }));
    }

    /**
     * Stops with the container's stop signal, then SIGKILL after {@code timeoutSeconds}; a stopped one is fine.
     * The container's lock is held only to send a signal: the waits hold nothing, so status, list and exec
     * lookups answer during a long grace period, and a second stop does not queue behind the first: it joins the
     * wait without sending the stop signal again, and kills when its own grace period ends.
     */
    public void stop(String idOrPrefix, long timeoutSeconds) {
        Optional<ContainerRecord> found = store.find(idOrPrefix);
        if (found.isEmpty()) {
            LOG.info("stop {}: no such container, nothing to do", idOrPrefix);
            return;
        }
        String id = found.get().id();
        try {
            if (timeoutSeconds > 0 && signalLocked(id, false) && exits.await(id, Duration.ofSeconds(timeoutSeconds))) {
                recordExit(id);
                return;
            }
            if (signalLocked(id, true) && !exits.await(id, KILL_WAIT)) {
                throw new CriException(ErrorKind.INTERNAL, "container " + id + " did not exit within "
                        + KILL_WAIT.toSeconds() + "s of SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CriException(ErrorKind.CANCELLED, "interrupted while stopping " + id, e);
        }
        recordExit(id);
    }

    /**
     * Sends the stop signal (or SIGKILL with {@code kill}) under the container's lock; false when the container
     * is gone or has exited already, so there is nothing to wait for.
     */
    private boolean signalLocked(String id, boolean kill) {
        return locks.with(id, () -> {
            Optional<ContainerRecord> current = store.get(id).map(exits::refresh);
            if (current.isEmpty() || current.get().state() == ContainerRecord.State.EXITED) {
                return false;
            }
            ContainerRecord r = current.get();
            OciRuntime runtime = runtimeOf(r);
            if (!kill) {
                if (r.state() != ContainerRecord.State.RUNNING) {
                    return false;
                }
                int signal = r.meta().stopSignal() > 0 ? r.meta().stopSignal() : Signals.SIGTERM;
                if (!stopSignalled.add(id)) {
                    LOG.info("container {}: a stop sent signal {} already; waiting for the exit", id, signal);
                    return true;
                }
                LOG.info("container {}: stopping with signal {}", id, signal);
                runtime.kill(id, signal, false);
                return true;
            }
            if (r.state() == ContainerRecord.State.CREATED && creator.restorePending(id)) {
                // nothing runs yet: the restore happens at start
                store.update(r.exited(nowNanos(), 0, "Completed", "stopped before it was restored"));
                return false;
            }
            LOG.info("container {}: killing", id);
            runtime.kill(id, Syscalls.SIGKILL, true);
            if (r.state() == ContainerRecord.State.CREATED) {
                runtime.kill(id, Syscalls.SIGKILL, false);
            }
            return true;
        });
    }

    private void recordExit(String id) {
        locks.run(id, () -> store.get(id).map(exits::refresh));
    }

    /** Removes the container (killing it if it runs); keeps its log file. Unknown ids are fine. */
    public void remove(String idOrPrefix) {
        Optional<ContainerRecord> found = store.find(idOrPrefix);
        if (found.isEmpty()) {
            return;
        }
        String id = found.get().id();
        stop(id, 0);
        locks.run(id, () -> {
            Optional<ContainerRecord> current = store.get(id).map(exits::refresh);
            if (current.isEmpty()) {
                return;
            }
            ContainerRecord r = current.get();
            if (r.state() != ContainerRecord.State.EXITED) {
                throw new CriException(ErrorKind.FAILED_PRECONDITION, "container " + id + " is "
                        + r.state() + " again after it was killed; not removed");
            }
            runtimeOf(r).delete(id);
            monitor.forget(id);
            rootfs.unmount(store.dirOf(id));
            store.delete(id);
            stopSignalled.remove(id);
            names.release(nameKey(r.meta().name(), r.meta().attempt(), r.sandboxId()), id);
            lifecycle.changed(id, r.sandboxId(), ContainerEventType.CONTAINER_DELETED_EVENT, nowNanos());
            LOG.info("container {}: removed", id);
        });
    }

    public ContainerStatusResponse status(String idOrPrefix, boolean verbose) {
        ContainerRecord r = snapshot(require(idOrPrefix));
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
        Set<String> exited = monitor.exitedIds();
        return store.all().stream().map(r -> exited.contains(r.id()) ? snapshot(r) : r)
                .filter(r -> ContainerViews.matches(r, filter)).map(ContainerViews::container).toList();
    }

    /**
     * Runs {@code cmd} in the running container through conmon and returns its exit code and output (at most
     * {@link #MAX_EXEC_OUTPUT} bytes of both together). Holds no lock: a probe never waits for a stop.
     */
    public ExecSyncResponse execSync(String idOrPrefix, List<String> cmd, long timeoutSeconds) {
        ContainerRecord r = snapshot(require(idOrPrefix));
        if (r.state() != ContainerRecord.State.RUNNING) {
            throw new CriException(ErrorKind.FAILED_PRECONDITION, "container " + r.id() + " is "
                    + r.state() + ", not running");
        }
        if (cmd.isEmpty()) {
            throw CriException.invalid("exec needs a command");
        }
        if (timeoutSeconds < 0) {
            throw CriException.invalid("exec timeout must not be negative");
        }
        OciSpec.Process process = specOf(r).process().withArgs(cmd, false);
        try {
            ExecResult res = execs.exec(new ConmonExec.Request(r.id(), runtimeOf(r), store.dirOf(r.id()), process,
                    Duration.ofSeconds(timeoutSeconds), MAX_EXEC_OUTPUT));
            if (res.timedOut()) {
                throw new CriException(ErrorKind.DEADLINE_EXCEEDED, "command " + cmd + " in container "
                        + r.id() + " timed out after " + timeoutSeconds + "s");
            }
            return ExecSyncResponse.newBuilder().setExitCode(res.exitCode())
                    .setStdout(com.google.protobuf.ByteString.copyFrom(res.stdout()))
                    .setStderr(com.google.protobuf.ByteString.copyFrom(res.stderr())).build();
        } catch (OciException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new CriException(ErrorKind.CANCELLED, "exec of " + cmd + " in " + r.id()
                        + " cancelled; the command was killed", e);
            }
            throw e;
        }
    }

    /** What a streaming exec or attach needs of a running container: its runtime, process spec and directories. */
    public record StreamTarget(String id, OciRuntime runtime, OciSpec.Process process, Path bundle,
                               Path monitorDir) {
    }

    /** The running container {@code idOrPrefix} as a streaming target; NOT_FOUND or FAILED_PRECONDITION otherwise. */
    public StreamTarget streamTarget(String idOrPrefix) {
        ContainerRecord r = snapshot(require(idOrPrefix));
        if (r.state() != ContainerRecord.State.RUNNING) {
            throw new CriException(ErrorKind.FAILED_PRECONDITION, "container " + r.id() + " is "
                    + r.state() + ", not running");
        }
        return new StreamTarget(r.id(), runtimeOf(r), specOf(r).process(), store.dirOf(r.id()),
                monitor.dirOf(r.id()));
    }

    /**
     * Makes conmon reopen the log file after kubelet rotated it, and waits until the new file exists; DEADLINE_EXCEEDED
     * when it does not appear within 5 s, so kubelet puts the rotated file back and tries again later.
     */
    public void reopenLog(String idOrPrefix) {
        ContainerRecord r = snapshot(require(idOrPrefix));
        if (r.state() != ContainerRecord.State.RUNNING) {
            throw new CriException(ErrorKind.FAILED_PRECONDITION, "container " + r.id() + " is "
                    + r.state() + ", not running; its log cannot be reopened");
        }
        if (r.meta().logPath().isEmpty()) {
            return;
        }
        monitor.reopenLog(r.id(), store.dirOf(r.id()));
        Path log = Path.of(r.meta().logPath());
        long deadline = ticker.getAsLong() + REOPEN_WAIT.toNanos();
        while (!Files.exists(log)) {
            if (ticker.getAsLong() - deadline >= 0) {
                throw new CriException(ErrorKind.DEADLINE_EXCEEDED, "container " + r.id() + ": its monitor did not "
                        + "reopen the log file " + log + " within " + REOPEN_WAIT.toSeconds() + "s");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CriException(ErrorKind.CANCELLED, "interrupted while reopening the log of " + r.id(), e);
            }
        }
    }

    public void updateResources(String idOrPrefix, LinuxContainerResources resources) {
        String id = require(idOrPrefix).id();
        locks.run(id, () -> {
            ContainerRecord r = exits.refresh(require(id));
            if (r.state() == ContainerRecord.State.EXITED) {
                throw new CriException(ErrorKind.FAILED_PRECONDITION, "container " + id
                        + " has exited; its resources cannot change");
            }
            runtimeOf(r).update(id, specs.resources(resources));
            store.update(r.withResources(resources));
        });
    }

    /**
     * Checkpoints the running container into the archive {@code location} (an absolute path; an existing file is
     * replaced) and leaves it running. FAILED_PRECONDITION when it does not run or CRIU does not work here.
     */
    public void checkpoint(String idOrPrefix, String location, long timeoutSeconds) {
        String id = require(idOrPrefix).id();
        if (location.isEmpty() || location.indexOf('\0') >= 0 || !location.startsWith("/")) {
            throw CriException.invalid("checkpoint location '" + location + "' is not an absolute path "
                    + "(the archive to write, as crictl checkpoint --export=FILE gives it)");
        }
        Path target = Path.of(location).normalize();
        if (target.getParent() == null || !Files.isDirectory(target.getParent()) || Files.isDirectory(target)) {
            throw CriException.invalid("checkpoint location " + target + " must be a file in an "
                    + "existing directory");
        }
        Duration timeout = timeoutSeconds > 0 ? Duration.ofSeconds(timeoutSeconds) : CHECKPOINT_TIMEOUT;
        locks.run(id, () -> {
            ContainerRecord r = exits.refresh(require(id));
            if (r.state() != ContainerRecord.State.RUNNING) {
                throw new CriException(ErrorKind.FAILED_PRECONDITION, "container " + id + " is "
                        + r.state() + ", not running; only a running container can be checkpointed");
            }
            checkpointer.checkpoint(r, sandboxes.require(r.sandboxId()), runtimeOf(r), target, timeout);
        });
    }

    /** Empty when containers can be checkpointed and restored here; else what is missing (for Status). */
    public Optional<String> checkpointProblem() {
        return checkpointer.problem();
    }

    /**
     * The configured handlers with what they can do, for Status: recursive read-only mounts as probed (the
     * kernel's mount_setattr and the runtime's "rro"); only crun runs pods in their own user namespace. The
     * default handler is listed under the empty name too, as CRI asks.
     */
    public List<io.jcri.cri.v1.RuntimeHandler> runtimeHandlers() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(""),
                runtimes.all().keySet().stream().sorted()).map(name -> io.jcri.cri.v1.RuntimeHandler.newBuilder()
                .setName(name).setFeatures(io.jcri.cri.v1.RuntimeHandlerFeatures.newBuilder()
                        .setRecursiveReadOnlyMounts(runtimes.forHandler(sandboxes.resolveHandler(name))
                                .map(rt -> rt.recursiveReadOnlyProblem().isEmpty()).orElse(false))
                        .setUserNamespaces(sandboxes.userNamespaces(name)))
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
    public List<ContainerStatus> statuses(String sandboxId) {
        Set<String> exited = monitor.exitedIds();
        return store.all().stream().filter(r -> r.sandboxId().equals(sandboxId))
                .map(r -> exited.contains(r.id()) ? snapshot(r) : r)
                .map(r -> ContainerViews.status(r, false, null).getStatus()).toList();
    }

    @Override
    public void removeAll(String sandboxId) {
        for (ContainerRecord r : store.all()) {
            if (r.sandboxId().equals(sandboxId)) {
                remove(r.id());
            }
        }
    }

    /**
     * The container as a read sees it, without waiting for any transition: its record, or, when conmon has
     * recorded an exit the record does not show yet, the exited record (stored now if nobody holds the container's
     * lock, else by the holder or the exit watcher).
     */
    private ContainerRecord snapshot(ContainerRecord r) {
        if (r.state() == ContainerRecord.State.EXITED || !exits.exited(r.id())) {
            return r;
        }
        return locks.tryWith(r.id(), () -> store.get(r.id()).map(exits::refresh).orElse(r))
                .or(() -> exits.exitedView(r)).orElse(r);
    }

    private ContainerRecord require(String idOrPrefix) {
        return store.find(idOrPrefix).orElseThrow(() ->
                CriException.notFound("container '" + idOrPrefix + "' not found"));
    }

    private OciSpec specOf(ContainerRecord r) {
        try {
            return OciSpecJson.read(Files.readAllBytes(store.dirOf(r.id()).resolve("config.json")));
        } catch (IOException e) {
            throw new CriException(ErrorKind.INTERNAL, "container " + r.id() + " has no readable "
                    + "config.json: " + e.getMessage(), e);
        }
    }

    private OciRuntime runtimeOf(SandboxRecord s) {
        OciRuntime rt = runtimes.forHandler(s.meta().runtimeHandler()).orElseThrow(() ->
                CriException.invalid("runtime handler '" + s.meta().runtimeHandler()
                        + "' is not configured"));
        rt.problem().ifPresent(p -> {
            throw new CriException(ErrorKind.FAILED_PRECONDITION, "runtime handler '"
                    + s.meta().runtimeHandler() + "' is not ready: " + p);
        });
        return rt;
    }

    private OciRuntime runtimeOf(ContainerRecord r) {
        return runtimes.forHandler(r.meta().runtimeHandler()).orElseThrow(() -> new CriException(
                ErrorKind.INTERNAL, "container " + r.id() + " uses handler '" + r.meta().runtimeHandler()
                + "', which is no longer configured"));
    }

    /** A container name is unique within its sandbox for one attempt, as kubelet names them. */
    private static String nameKey(String name, int attempt, String sandboxId) {
        return sandboxId + "/" + name + "/" + attempt;
    }

    private long nowNanos() {
        return EpochNanos.now(clock);
    }

}
