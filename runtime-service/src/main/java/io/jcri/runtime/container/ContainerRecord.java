package io.jcri.runtime.container;

import com.google.protobuf.InvalidProtocolBufferException;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.runtime.state.StateStore;
import java.util.List;
import java.util.Map;

/**
 * A container as recorded on disk in {@code containers/<id>/}: its {@link Meta}, written once at create, and its
 * {@link Status}, rewritten at each change. The bundle (config.json, rootfs, upper, work) lives next to them.
 */
public record ContainerRecord(Meta meta, Status status) {
    /** How the container store keeps the two parts. */
    public static final StateStore.Shape<ContainerRecord, Meta, Status> SHAPE = new StateStore.Shape<>(Meta.class,
            Status.class, Meta::id, ContainerRecord::meta, ContainerRecord::status, ContainerRecord::new);

    /** Where a container is in its life, as CRI names it. */
    public enum State {
        CREATED,
        RUNNING,
        EXITED
    }

    /**
     * What the container was made with; never changes.
     *
     * @param createdAt          ns since the epoch
     * @param image              the image's name: the config's user_specified_image, else its first tag, else
     *                           the image as the config named it
     * @param imageId            the image's config digest
     * @param imageRef           a repo digest of the image when it has one, else its id
     * @param logPath            the full path of the CRI log file, empty when the container has none
     * @param configBytes        the whole {@link ContainerConfig} as sent (protobuf)
     * @param stopSignal         the signal number that stops it gracefully (config, else image, else SIGTERM)
     * @param uid                the user its process runs as; with gid and supplementalGroups as resolved in the
     *                           image
     */
    public record Meta(String id, String sandboxId, String name, int attempt, long createdAt, String image,
                       String imageId, String imageRef, String logPath, Map<String, String> labels,
                       Map<String, String> annotations, byte[] configBytes, String runtimeHandler, int stopSignal,
                       long uid, long gid, List<Long> supplementalGroups) {
        public Meta {
            labels = Map.copyOf(labels == null ? Map.of() : labels);
            annotations = Map.copyOf(annotations == null ? Map.of() : annotations);
            supplementalGroups = List.copyOf(supplementalGroups == null ? List.of() : supplementalGroups);
        }
    }

    /**
     * Where the container is in its life.
     *
     * @param startedAt      ns since the epoch, 0: not yet; likewise finishedAt
     * @param exitCode       the exit code once EXITED
     * @param reason         Completed, Error, OOMKilled or StartError once EXITED
     * @param pid            the container's init process as the runtime created (or restored) it
     * @param resourcesBytes the current {@link LinuxContainerResources} (changed by updates)
     */
    public record Status(State state, long startedAt, long finishedAt, int exitCode, String reason, String message,
                         int pid, byte[] resourcesBytes) {
        public Status {
            reason = reason == null ? "" : reason;
            message = message == null ? "" : message;
        }

        /** Just created by the runtime, with its init process {@code pid} (0 when a restore makes it at start). */
        public static Status created(int pid, LinuxContainerResources resources) {
            return new Status(State.CREATED, 0, 0, 0, "", "", pid, resources.toByteArray());
        }
    }

    public String id() {
        return meta.id();
    }

    public String sandboxId() {
        return meta.sandboxId();
    }

    public State state() {
        return status.state();
    }

    /** The config the container was created with. */
    public ContainerConfig config() {
        try {
            return ContainerConfig.parseFrom(meta.configBytes());
        } catch (InvalidProtocolBufferException e) {
            throw new CriException(ErrorKind.INTERNAL, "container " + id() + " has an unreadable config",
                    e);
        }
    }

    /** The container's resources as last set (at create or by an update). */
    public LinuxContainerResources resources() {
        try {
            return LinuxContainerResources.parseFrom(status.resourcesBytes());
        } catch (InvalidProtocolBufferException e) {
            throw new CriException(ErrorKind.INTERNAL, "container " + id() + " has unreadable resources",
                    e);
        }
    }

    public ContainerRecord started(long at) {
        return new ContainerRecord(meta, new Status(State.RUNNING, at, status.finishedAt(), status.exitCode(),
                status.reason(), status.message(), status.pid(), status.resourcesBytes()));
    }

    /** Running since {@code at} as restored from a checkpoint, with the restored init process {@code newPid}. */
    public ContainerRecord restored(long at, int newPid) {
        return new ContainerRecord(meta, new Status(State.RUNNING, at, status.finishedAt(), status.exitCode(),
                status.reason(), status.message(), newPid, status.resourcesBytes()));
    }

    public ContainerRecord exited(long at, int code, String why, String text) {
        return new ContainerRecord(meta, new Status(State.EXITED, status.startedAt(), at, code, why, text,
                status.pid(), status.resourcesBytes()));
    }

    public ContainerRecord withResources(LinuxContainerResources r) {
        return new ContainerRecord(meta, new Status(status.state(), status.startedAt(), status.finishedAt(),
                status.exitCode(), status.reason(), status.message(), status.pid(), r.toByteArray()));
    }
}
