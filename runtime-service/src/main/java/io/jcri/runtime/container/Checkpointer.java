package io.jcri.runtime.container;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.oci.OciException;
import io.jcri.oci.checkpoint.Criu;
import io.jcri.oci.faults.FaultPoints;
import io.jcri.oci.fs.AtomicFiles;
import io.jcri.oci.fs.Trees;
import io.jcri.oci.runtime.OciRuntime;
import io.jcri.runtime.checkpoint.CheckpointArchive;
import io.jcri.runtime.sandbox.SandboxRecord;
import io.jcri.runtime.state.StateStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CheckpointContainer's work on a running container: CRIU's images with the container left running, the
 * metadata and the writable layer's changes staged in {@code <container dir>/checkpoint.partial/}, packed into a
 * temporary file beside the target and renamed over it, so that a target is whole or absent. The temporary file's
 * path is written down first ({@code checkpoint.target}): after a daemon death {@link #cleanUp} removes it, the
 * staging directory, and resumes a container CRIU left frozen.
 */
final class Checkpointer {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);
    private static final String STAGING = "checkpoint.partial";
    private static final String TARGET_NOTE = "checkpoint.target";
    /**
     * What CRIU logs when the container has an established TCP connection: jcri dumps without
     * {@code --tcp-established}, as CRI-O does, since a restore in another pod could not keep the connection.
     */
    private static final String CRIU_CONNECTED_TCP = "Connected TCP socket";

    private final StateStore<ContainerRecord> store;
    private final Criu criu;

    Checkpointer(StateStore<ContainerRecord> store, Criu criu) {
        this.store = store;
        this.criu = criu;
    }

    /** Empty when checkpoints can be made here; else what is missing. */
    Optional<String> problem() {
        return criu.problem();
    }

    /** Checkpoints the running container {@code r} (its lock held) into the archive {@code target}. */
    void checkpoint(ContainerRecord r, SandboxRecord sandbox, OciRuntime runtime, Path target, Duration timeout) {
        criu.problem().ifPresent(p -> {
            throw new CriException(ErrorKind.FAILED_PRECONDITION, "container " + r.id()
                    + " cannot be checkpointed: " + p);
        });
        Path dir = store.dirOf(r.id());
        Path staging = dir.resolve(STAGING);
        Path partial = target.resolveSibling("." + target.getFileName() + ".jcri-partial");
        try {
            cleanUp(r.id(), runtime);
            Files.createDirectories(staging);
            AtomicFiles.write(dir.resolve(TARGET_NOTE), partial.toString().getBytes(StandardCharsets.UTF_8));
            long began = System.nanoTime();
            runtime.checkpoint(r.id(), staging.resolve(CheckpointArchive.IMAGES), staging, criu.env(), timeout);
            long dumped = System.nanoTime();
            ContainerRecord.Meta m = r.meta();
            CheckpointArchive.writeMetadata(staging, new CheckpointArchive.Config(r.id(), m.name(), m.imageId(),
                    m.imageId(), m.image(), runtime.handler(), instant(m.createdAt()), Instant.now()),
                    Files.readAllBytes(dir.resolve("config.json")), Map.of(
                            "io.kubernetes.cri.sandbox-name", sandbox.meta().name(),
                            "io.kubernetes.cri.sandbox-namespace", sandbox.meta().namespace(),
                            "io.kubernetes.cri.container-name", m.name(),
                            "io.jcri.log-path", m.logPath()), m.configBytes());
            CheckpointArchive.writeRootfsDiff(dir.resolve("upper"), staging);
            CheckpointArchive.pack(staging, partial);
            FaultPoints.hit("container.checkpoint-before-rename");
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            AtomicFiles.fsyncDirectory(target.getParent());
            LOG.info("container {}: checkpointed to {} (CRIU {} ms, archive {} ms, {} bytes)", r.id(), target,
                    (dumped - began) / 1_000_000, (System.nanoTime() - dumped) / 1_000_000, Files.size(target));
        } catch (OciException e) {
            if (e.getMessage().contains(CRIU_CONNECTED_TCP)) {
                throw new CriException(ErrorKind.FAILED_PRECONDITION, "container " + r.id()
                        + " cannot be checkpointed: it holds an established TCP connection, which cannot follow it"
                        + " to another pod's network namespace (it keeps running; CRIU: " + e.getMessage() + ")", e);
            }
            throw new CriException(e.timedOut() ? ErrorKind.DEADLINE_EXCEEDED : ErrorKind.INTERNAL,
                    "checkpointing container " + r.id() + " failed: " + e.getMessage()
                            + (e.timedOut() ? "; the container keeps running" : ""), e);
        } catch (IOException e) {
            throw new CriException(ErrorKind.INTERNAL, "writing the checkpoint of container " + r.id()
                    + " to " + target + " failed: " + e.getMessage(), e);
        } finally {
            cleanUp(r.id(), runtime);
        }
    }

    /**
     * Removes what an unfinished checkpoint of container {@code id} left (its staging directory and temporary
     * archive) and resumes the container when CRIU left it frozen. Nothing to do after a finished one.
     */
    void cleanUp(String id, OciRuntime runtime) {
        Path dir = store.dirOf(id);
        Path note = dir.resolve(TARGET_NOTE);
        try {
            if (Files.exists(note)) {
                Files.deleteIfExists(Path.of(Files.readString(note, StandardCharsets.UTF_8)));
                Files.delete(note);
            }
            Trees.delete(dir.resolve(STAGING));
        } catch (IOException e) {
            LOG.warn("container {}: cannot remove what a checkpoint left: {}", id, e.getMessage());
        }
        try {
            if (runtime.state(id).filter(s -> s.status().equals("paused")).isPresent()) {
                LOG.warn("container {}: left frozen by an unfinished checkpoint; resuming it", id);
                runtime.resume(id);
            }
        } catch (OciException e) {
            LOG.warn("container {}: cannot resume it after a checkpoint: {}", id, e.getMessage());
        }
    }

    /** Whether a checkpoint of container {@code id} was under way (its note is there). */
    boolean unfinished(String id) {
        return Files.exists(store.dirOf(id).resolve(TARGET_NOTE));
    }

    private static Instant instant(long nanos) {
        return Instant.ofEpochSecond(0, nanos);
    }
}
