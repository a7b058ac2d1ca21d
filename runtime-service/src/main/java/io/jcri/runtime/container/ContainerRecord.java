package io.jcri.runtime.container;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.google.protobuf.InvalidProtocolBufferException;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.LinuxContainerResources;
import java.util.List;
import java.util.Map;

/**
 * A container as recorded on disk ({@code containers/<id>/record.json}); the bundle (config.json, rootfs, upper,
 * work) lives next to it.
 *
 * @param createdAt       ns since the epoch; likewise startedAt and finishedAt (0: not yet)
 * @param exitCode        the exit code once EXITED
 * @param reason          Completed, Error, OOMKilled or StartError once EXITED
 * @param image           the image's name: the config's user_specified_image, else its first tag, else the
 *                        image as the config named it
 * @param imageId         the image's config digest
 * @param imageRef        a repo digest of the image when it has one, else its id
 * @param logPath         the full path of the CRI log file, empty when the container has none
 * @param configBytes     the whole {@link ContainerConfig} as sent (protobuf)
 * @param resourcesBytes  the current {@link LinuxContainerResources} (changed by updates)
 * @param stopSignal      the signal number that stops it gracefully (config, else image, else SIGTERM)
 */
public record ContainerRecord(String id, String sandboxId, String name, int attempt, State state, long createdAt,
                              long startedAt, long finishedAt, int exitCode, String reason, String message,
                              String image, String imageId, String imageRef, String logPath, int pid,
                              Map<String, String> labels, Map<String, String> annotations, byte[] configBytes,
                              byte[] resourcesBytes, String runtimeHandler, int stopSignal, long uid, long gid,
                              List<Long> supplementalGroups) {

    /** Where a container is in its life, as CRI names it. */
    public enum State {
        CREATED,
        RUNNING,
        EXITED,
        UNKNOWN
    }

    public ContainerRecord {
        labels = Map.copyOf(labels == null ? Map.of() : labels);
        annotations = Map.copyOf(annotations == null ? Map.of() : annotations);
        supplementalGroups = List.copyOf(supplementalGroups == null ? List.of() : supplementalGroups);
        reason = reason == null ? "" : reason;
        message = message == null ? "" : message;
    }

    @JsonIgnore
    public ContainerConfig config() {
        try {
            return ContainerConfig.parseFrom(configBytes);
        } catch (InvalidProtocolBufferException e) {
            throw new CriException(ErrorKind.INTERNAL, "container " + id + " has an unreadable config", e);
        }
    }

    @JsonIgnore
    public LinuxContainerResources resources() {
        try {
            return LinuxContainerResources.parseFrom(resourcesBytes);
        } catch (InvalidProtocolBufferException e) {
            throw new CriException(ErrorKind.INTERNAL, "container " + id + " has unreadable resources",
                    e);
        }
    }

    public ContainerRecord started(long at) {
        return new ContainerRecord(id, sandboxId, name, attempt, State.RUNNING, createdAt, at, finishedAt, exitCode,
                reason, message, image, imageId, imageRef, logPath, pid, labels, annotations, configBytes,
                resourcesBytes, runtimeHandler, stopSignal, uid, gid, supplementalGroups);
    }

    /** Running since {@code at} as restored from a checkpoint, with the restored init process {@code newPid}. */
    public ContainerRecord restored(long at, int newPid) {
        return new ContainerRecord(id, sandboxId, name, attempt, State.RUNNING, createdAt, at, finishedAt, exitCode,
                reason, message, image, imageId, imageRef, logPath, newPid, labels, annotations, configBytes,
                resourcesBytes, runtimeHandler, stopSignal, uid, gid, supplementalGroups);
    }

    public ContainerRecord exited(long at, int code, String why, String text) {
        return new ContainerRecord(id, sandboxId, name, attempt, State.EXITED, createdAt, startedAt, at, code, why,
                text, image, imageId, imageRef, logPath, pid, labels, annotations, configBytes, resourcesBytes,
                runtimeHandler, stopSignal, uid, gid, supplementalGroups);
    }

    public ContainerRecord withResources(LinuxContainerResources r) {
        return new ContainerRecord(id, sandboxId, name, attempt, state, createdAt, startedAt, finishedAt, exitCode,
                reason, message, image, imageId, imageRef, logPath, pid, labels, annotations, configBytes,
                r.toByteArray(), runtimeHandler, stopSignal, uid, gid, supplementalGroups);
    }
}
