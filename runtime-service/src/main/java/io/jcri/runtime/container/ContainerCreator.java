package io.jcri.runtime.container;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.ContainerEventType;
import io.jcri.cri.v1.MountPropagation;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.image.ImageLease;
import io.jcri.image.ImageRecord;
import io.jcri.image.ImageLeases;
import io.jcri.oci.OciException;
import io.jcri.oci.faults.FaultPoints;
import io.jcri.oci.fs.AtomicFiles;
import io.jcri.oci.monitor.ContainerMonitor;
import io.jcri.oci.mount.Propagation;
import io.jcri.oci.runtime.OciRuntime;
import io.jcri.oci.spec.OciSpec;
import io.jcri.oci.spec.OciSpecJson;
import io.jcri.oci.sys.Syscalls;
import io.jcri.runtime.events.ContainerLifecycle;
import io.jcri.runtime.sandbox.PodUserNamespace;
import io.jcri.runtime.sandbox.SandboxRecord;
import io.jcri.runtime.state.Ids;
import io.jcri.runtime.state.Rollback;
import io.jcri.runtime.state.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import io.jcri.oci.checkpoint.Criu;
import io.jcri.oci.fs.Trees;
import io.jcri.runtime.checkpoint.CheckpointArchive;
import io.jcri.runtime.checkpoint.RestoreConfig;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CreateContainer's steps, each with its undo (after checks that make nothing: the runtime can make the mounts,
 * the CDI devices resolve): the rootfs overlay (from an image leased until it is
 * mounted), the OCI spec, conmon running the runtime's create, and the record. A failure at any step undoes
 * exactly what was done ({@link Rollback}: every undo runs even when one of them fails); the directory goes last,
 * and stays when something could not be undone.
 */
final class ContainerCreator {
    private static final Logger LOG = LoggerFactory.getLogger(ContainerCreator.class);
    private static final Duration CREATE_TIMEOUT = Duration.ofMinutes(2);
    /** Where a container made from a checkpoint keeps it unpacked until it is restored. */
    private static final String RESTORE = "restore";

    private final StateStore<ContainerRecord> store;
    private final ImageLeases images;
    private final ContainerMonitor monitor;
    private final SpecBuilder specs;
    private final RootfsMounter mounter;
    private final CdiInjection cdi;
    /** Now, in ns since the epoch. */
    private final LongSupplier clock;
    private final ContainerLifecycle lifecycle;
    private final Criu criu;

    ContainerCreator(StateStore<ContainerRecord> store, ImageLeases images, ContainerMonitor monitor,
                     SpecBuilder specs, RootfsMounter mounter, CdiInjection cdi, LongSupplier clock,
                     ContainerLifecycle lifecycle, Criu criu) {
        this.criu = criu;
        this.cdi = cdi;
        this.store = store;
        this.images = images;
        this.monitor = monitor;
        this.specs = specs;
        this.mounter = mounter;
        this.clock = clock;
        this.lifecycle = lifecycle;
    }

    /** Creates the container in {@code sandbox}, which the caller holds ready; returns its id. */
    String create(SandboxRecord sandbox, OciRuntime runtime, ContainerConfig request, int targetPid) {
        refuseWhatTheRuntimeCannotDo(runtime, request);
        CdiInjection.Edits devices = cdi.prepare(request);
        ImageVolumes.check(request);
        String id = Ids.newId();
        Path dir = store.dirOf(id);
        Rollback undo = new Rollback("container " + id);
        Optional<Checkpoint> checkpoint = checkpoint(request.getImage().getImage());
        ContainerConfig config = checkpoint.isEmpty() ? request
                : fromCheckpoint(checkpoint.get(), dir, request, undo);
        String logPath;
        try {
            logPath = logPath(sandbox, config);
        } catch (CriException e) {
            abandon(id, undo, e);
            throw e;
        }
        ImageRecord image;
        Path rootfs;
        // Held from the lookup until the overlay is mounted (which then keeps the layers by itself), so a
        // RemoveImage or garbage collection in between cannot take the layers away.
        try (ImageLease lease = images.lease(config.getImage().getImage())) {
            image = lease.image();
            rootfs = mounter.mount(dir, lease.layerDirs());
            undo.add("unmount the rootfs", () -> mounter.unmount(dir));
        } catch (RuntimeException e) {
            abandon(id, undo, e);
            if (!(e instanceof OciException)) {
                throw e;
            }
            throw new CriException(ErrorKind.INTERNAL, "mounting the rootfs of container "
                    + config.getMetadata().getName() + " failed: " + e.getMessage(), e);
        }
        try {
            // the config with each image volume's host path set, for the spec; the record keeps the one kubelet sent
            ContainerConfig mounted = ImageVolumes.mount(images, mounter, dir, config);
            FaultPoints.hit("container.after-rootfs");
            if (checkpoint.isPresent()) {
                CheckpointArchive.deleteFiles(dir.resolve(RESTORE), rootfs);
            }
            if (PodUserNamespace.own(sandbox.config())) {
                RootfsIdShift.shift(rootfs, PodUserNamespace.uidMappings(sandbox.config()),
                        PodUserNamespace.gidMappings(sandbox.config()));
                // The runtime sets the pod up as the pod's root, an unprivileged host ID: only its group may
                // traverse to the rootfs (jcri's state root and containers/ are 0711).
                Files.setAttribute(dir, "unix:gid", RootfsIdShift.map(0, PodUserNamespace.gidMappings(
                        sandbox.config())));
                Syscalls.chmod(dir.toString(), 0710);
            }
            var sc = config.getLinux().getSecurityContext();
            UserResolver.ResolvedUser user = UserResolver.of(rootfs).resolve(sc.getRunAsUsername(),
                    sc.hasRunAsUser() ? sc.getRunAsUser().getValue() : null,
                    sc.hasRunAsGroup() ? sc.getRunAsGroup().getValue() : null, image.config().user(),
                    sc.getSupplementalGroupsList(), sc.getSupplementalGroupsPolicyValue() == 1);
            OciSpec spec = devices.applyTo(specs.build(new SpecBuilder.Input(id, mounted, sandbox, image.config(),
                    rootfs, cgroupsPath(sandbox, id), user, targetPid)));
            for (var m : mounted.getMountsList()) {
                if (m.getPropagation() != MountPropagation.PROPAGATION_PRIVATE) {
                    Optional<String> refused = Propagation.refusal(Path.of(m.getHostPath()),
                            m.getPropagation() == MountPropagation.PROPAGATION_BIDIRECTIONAL);
                    if (refused.isPresent()) {
                        throw new CriException(ErrorKind.FAILED_PRECONDITION, "volume "
                                + m.getContainerPath() + ": " + refused.get());
                    }
                }
            }
            AtomicFiles.write(dir.resolve("config.json"), OciSpecJson.write(spec));
            long now = clock.getAsLong();
            int stopSignal = stopSignal(config, image);
            undo.add("forget the monitor files", () -> monitor.forget(id));
            undo.add("delete the runtime's container", () -> runtime.delete(id));
            // A restored container is made by the runtime's restore, at start: nothing runs until then.
            int pid = checkpoint.isPresent() ? 0 : monitor.create(new ContainerMonitor.CreateRequest(id,
                    config.getMetadata().getName(), runtime, dir, logPath, config.getTty(), config.getStdin(),
                    config.getStdinOnce(), CREATE_TIMEOUT));
            FaultPoints.hit("container.after-create");
            store.create(new ContainerRecord(new ContainerRecord.Meta(id, sandbox.id(),
                    config.getMetadata().getName(), config.getMetadata().getAttempt(), now,
                    imageName(config, image), image.id(), imageRef(image), logPath, config.getLabelsMap(),
                    config.getAnnotationsMap(), config.toByteArray(), sandbox.meta().runtimeHandler(), stopSignal,
                    user.uid(), user.gid(), user.additionalGids()),
                    ContainerRecord.Status.created(pid, config.getLinux().getResources())));
            LOG.info("container {}: created {} in sandbox {} from {} (pid {}, handler {})", id,
                    config.getMetadata().getName(), sandbox.id(), image.id(), pid, sandbox.meta().runtimeHandler());
            lifecycle.changed(id, sandbox.id(), ContainerEventType.CONTAINER_CREATED_EVENT, now);
            return id;
        } catch (IOException | OciException | CriException | java.nio.file.InvalidPathException e) {
            abandon(id, undo, e);
            if (e instanceof CriException re) {
                throw re;
            }
            if (e instanceof java.nio.file.InvalidPathException ip) {
                throw CriException.invalid("container " + config.getMetadata().getName()
                        + " names an invalid path: " + ip.getMessage());
            }
            throw new CriException(ErrorKind.INTERNAL, "creating container "
                    + config.getMetadata().getName() + " failed: " + e.getMessage(), e);
        }
    }

    /** Puts a checkpoint's content into an empty directory and reads it. */
    private interface Unpack {
        CheckpointArchive.Config into(Path dir) throws IOException;
    }

    /** A checkpoint to restore: what it is (for messages) and how to unpack it. */
    private record Checkpoint(String what, Unpack unpack) {
    }

    /**
     * The checkpoint a CreateContainer image names, as CRI-O takes it: an absolute path to an archive file (image
     * references never start with a slash), or a local image made from an archive (its one layer the archive's
     * content, its manifest annotated as a checkpoint: {@link CheckpointArchive#isCheckpointImage}).
     */
    private Optional<Checkpoint> checkpoint(String image) {
        if (image.startsWith("/") && image.indexOf('\0') < 0 && Files.isRegularFile(Path.of(image))) {
            return Optional.of(new Checkpoint("archive " + image, dir -> CheckpointArchive.unpack(Path.of(image),
                    dir)));
        }
        boolean checkpointImage;
        try {
            checkpointImage = images.find(image).filter(r -> CheckpointArchive.isCheckpointImage(r.annotations()))
                    .isPresent();
        } catch (RuntimeException unusable) {
            return Optional.empty(); // not an image reference: the lease of an ordinary create says why
        }
        return checkpointImage ? Optional.of(new Checkpoint("checkpoint image " + image, dir -> {
            try (ImageLease lease = images.lease(image)) {
                if (lease.layerDirs().size() != 1) {
                    throw new IOException("a checkpoint image has one layer, this one has "
                            + lease.layerDirs().size());
                }
                return CheckpointArchive.copy(lease.layerDirs().getFirst(), dir);
            }
        })) : Optional.empty();
    }

    /**
     * Unpacks the checkpoint into the container's directory ({@code restore/}, its writable layer into
     * {@code upper/}) and returns the config to create ({@link RestoreConfig}). A checkpoint that cannot be read is
     * INVALID_ARGUMENT, and leaves nothing.
     */
    private ContainerConfig fromCheckpoint(Checkpoint checkpoint, Path dir, ContainerConfig request, Rollback undo) {
        try {
            Path restore = dir.resolve(RESTORE);
            Files.createDirectories(restore);
            CheckpointArchive.Config cp = checkpoint.unpack().into(restore);
            CheckpointArchive.restoreRootfsDiff(restore, dir.resolve("upper"));
            LOG.info("container {}: restoring {} checkpointed at {} (container {} of image {})",
                    dir.getFileName(), checkpoint.what(), cp.checkpointedTime(), cp.id(), cp.rootfsImageName());
            return RestoreConfig.of(restore, request, cp.image());
        } catch (IOException | RuntimeException e) {
            abandon(dir.getFileName().toString(), undo, e);
            throw CriException.invalid(checkpoint.what() + " is not a checkpoint that can be restored: "
                    + e.getMessage());
        }
    }

    /** Whether container {@code id} was created from a checkpoint and waits for its start to restore it. */
    boolean restorePending(String id) {
        return Files.isDirectory(store.dirOf(id).resolve(RESTORE));
    }

    /** Restores the created container {@code r} from its unpacked checkpoint, running; returns its init pid. */
    int restore(ContainerRecord r, OciRuntime runtime) {
        criu.problem().ifPresent(p -> {
            throw new CriException(ErrorKind.FAILED_PRECONDITION, "container " + r.id()
                    + " cannot be restored: " + p);
        });
        Path dir = store.dirOf(r.id());
        ContainerConfig c = r.config();
        return monitor.create(new ContainerMonitor.CreateRequest(r.id(), r.meta().name(), runtime, dir,
                r.meta().logPath(),
                c.getTty(), c.getStdin(), c.getStdinOnce(), CREATE_TIMEOUT,
                Optional.of(dir.resolve(RESTORE).resolve(CheckpointArchive.IMAGES))));
    }

    /** Drops the unpacked checkpoint of a container restored from it. */
    void restoreDone(String id) {
        try {
            Trees.delete(store.dirOf(id).resolve(RESTORE));
        } catch (IOException e) {
            LOG.warn("container {}: cannot remove its unpacked checkpoint: {}", id, e.getMessage());
        }
    }

    /** Refuses, before anything is made, mounts the handler's runtime cannot make as asked. */
    private static void refuseWhatTheRuntimeCannotDo(OciRuntime runtime, ContainerConfig config) {
        for (var m : config.getMountsList()) {
            if (m.getRecursiveReadOnly()) {
                runtime.recursiveReadOnlyProblem().ifPresent(why -> {
                    throw CriException.invalid("recursive read-only mount at " + m.getContainerPath()
                            + ": runtime handler " + runtime.handler() + " cannot make one here: " + why);
                });
            }
        }
    }

    /**
     * Undoes a failed create: every undo runs, newest first, and the container's directory goes last, only when
     * everything else was undone. A rootfs still mounted or a runtime container still there keeps its directory,
     * which holds no record: the next start finds it half-made and removes what is left (as a sandbox whose undo
     * failed stays NOTREADY for a later stop or remove).
     */
    private void abandon(String id, Rollback undo, Throwable cause) {
        List<String> left = undo.run(cause);
        if (!left.isEmpty()) {
            LOG.warn("container {}: create failed, could not undo {}; its directory stays for the next start to "
                    + "remove", id, left);
            return;
        }
        try {
            store.delete(id);
        } catch (RuntimeException e) {
            LOG.error("container {}: undoing a failed create could not remove its directory: {}", id,
                    e.getMessage(), e);
            cause.addSuppressed(e);
        }
    }

    static String cgroupsPath(SandboxRecord s, String id) {
        String parent = s.meta().cgroupParent() == null ? "" : s.meta().cgroupParent();
        return (parent.startsWith("/") ? parent : "/" + parent).replaceAll("/+$", "") + "/" + id;
    }

    private static String logPath(SandboxRecord s, ContainerConfig c) {
        if (s.meta().logDirectory().isEmpty() || c.getLogPath().isEmpty()) {
            return "";
        }
        if (c.getLogPath().indexOf('\0') >= 0) {
            throw CriException.invalid("log path of container " + c.getMetadata().getName()
                    + " has a NUL byte");
        }
        Path p = Path.of(s.meta().logDirectory()).resolve(c.getLogPath()).normalize();
        if (!p.startsWith(Path.of(s.meta().logDirectory()).normalize())) {
            throw CriException.invalid("log path '" + c.getLogPath() + "' leaves the log directory");
        }
        try {
            java.nio.file.Files.createDirectories(p.getParent());
        } catch (IOException e) {
            throw new CriException(ErrorKind.INTERNAL, "cannot make the log directory of "
                    + p + ": " + e.getMessage(), e);
        }
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

    /**
     * The name status shows for the image: kubelet sends the image ID in {@code image}, so the name the user
     * wrote ({@code user_specified_image}) is shown, else the image's first tag, as containerd shows.
     */
    static String imageName(ContainerConfig config, ImageRecord image) {
        if (!config.getImage().getUserSpecifiedImage().isEmpty()) {
            return config.getImage().getUserSpecifiedImage();
        }
        return image.repoTags().isEmpty() ? config.getImage().getImage() : image.repoTags().getFirst();
    }

    private static String imageRef(ImageRecord image) {
        return image.repoDigests().isEmpty() ? image.id() : image.repoDigests().getFirst();
    }

    /** The pid whose PID namespace a container with namespace mode TARGET joins; 0 for any other mode. */
    static int targetPid(ContainerConfig config, StateStore<ContainerRecord> store) {
        var ns = config.getLinux().getSecurityContext().getNamespaceOptions();
        if (ns.getPid() != NamespaceMode.TARGET) {
            return 0;
        }
        ContainerRecord target = store.find(ns.getTargetId()).orElseThrow(() -> CriException.notFound(
                "target container '" + ns.getTargetId() + "' of the PID namespace not found"));
        return target.state() == ContainerRecord.State.EXITED ? 0 : target.status().pid();
    }
}
