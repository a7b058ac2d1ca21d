package io.jcri.oci.runtime;

import io.jcri.oci.spec.OciSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * An OCI runtime driven through its command line (runc and crun share it). Creating a container is the monitor's
 * job ({@code Conmon} runs {@code create} with {@link #executable()} and {@link #globalArgs()}); everything after
 * that goes through here. Every call has a deadline.
 */
public interface OciRuntime {
    /** The handler name this runtime serves (for logs and messages). */
    String handler();

    /** What the monitor executes as the runtime. */
    Path executable();

    /** Arguments before the subcommand, such as {@code --root}. */
    List<String> globalArgs();

    /** Why this runtime cannot run containers on this host, or empty when it can. */
    Optional<String> problem();

    /** Why this runtime cannot make recursive read-only mounts here ("rro"), or empty when it can. */
    Optional<String> recursiveReadOnlyProblem();

    void start(String id);

    /** The runtime's view of the container; empty when it does not know it. */
    Optional<ContainerState> state(String id);

    /** Sends a signal to the init process, or to every process with {@code all}; a stopped container is fine. */
    void kill(String id, int signal, boolean all);

    /** Deletes the runtime's state (forcibly, killing what still runs); an unknown container is fine. */
    void delete(String id);

    /**
     * Checkpoints the running container with CRIU into {@code imageDir} and leaves it running; CRIU's log goes to
     * {@code workDir}. {@code env} gives the command CRIU on its PATH. At the deadline the command is killed.
     */
    void checkpoint(String id, Path imageDir, Path workDir, java.util.Map<String, String> env, Duration timeout);

    /** Resumes a container left paused (frozen), as a checkpoint killed at its deadline may leave it. */
    void resume(String id);

    /** Applies new resource limits to a running container. */
    void update(String id, OciSpec.Resources resources);
}
