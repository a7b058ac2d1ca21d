package io.jcri.oci.monitor;

import io.jcri.oci.runtime.OciRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * The per-container monitor as the container service sees it: it creates the container through the runtime,
 * outlives the daemon and records the exit. {@link Conmon} is the implementation; the seam lets the container
 * state machine be tested with a fake, without root.
 */
public interface ContainerMonitor {
    /**
     * What to create: the bundle holds config.json; the log path is empty for no log. With {@code restoreFrom}
     * (a directory of CRIU images) the runtime restores the container from it instead, which leaves it running.
     */
    record CreateRequest(String id, String name, OciRuntime runtime, Path bundle, String logPath,
                         boolean terminal, boolean stdin, boolean stdinOnce, Duration timeout,
                         Optional<Path> restoreFrom) {
        public CreateRequest(String id, String name, OciRuntime runtime, Path bundle, String logPath,
                             boolean terminal, boolean stdin, boolean stdinOnce, Duration timeout) {
            this(id, name, runtime, bundle, logPath, terminal, stdin, stdinOnce, timeout, Optional.empty());
        }
    }

    /** Where exit records appear, one file named by each exited container's id (the exit watcher's directory). */
    Path exitDir();

    /** The monitor's own directory of a container (attach socket, pid files). */
    Path dirOf(String id);

    /**
     * Creates the container, stopped before its process runs (or restores it, running); returns the container's
     * init pid.
     */
    int create(CreateRequest req);

    /** The ids of the containers whose exit is recorded, in one read. */
    Set<String> exitedIds();

    /** The recorded exit code, empty while the container has not exited. */
    Optional<Integer> exitCode(String id);

    /** When the exit was recorded, in ns since the epoch. */
    long exitedAtNanos(String id);

    /** Whether the container's monitor process still runs. */
    boolean monitorAlive(String id);

    /** Whether the container's cgroup killed a process for lack of memory. */
    boolean oomKilled(String id, Path bundle);

    /** Asks the monitor to reopen the container's log file (after kubelet rotated it). */
    void reopenLog(String id, Path bundle);

    /** Waits up to {@code timeout} for the monitor to exit; true when none of the container runs (any more). */
    boolean awaitMonitorExit(String id, Duration timeout);

    /** Removes the monitor's files of a removed container. */
    void forget(String id);
}
