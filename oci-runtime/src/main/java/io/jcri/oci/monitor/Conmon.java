package io.jcri.oci.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.oci.OciException;
import io.jcri.oci.fs.Trees;
import io.jcri.oci.spec.OciDefaults;
import io.jcri.oci.sys.ErrnoException;
import io.jcri.oci.sys.LibC;
import io.jcri.oci.sys.PosixSpawn;
import io.jcri.oci.sys.ProcessExit;
import io.jcri.oci.sys.Readiness;
import io.jcri.oci.sys.Syscalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Debian's conmon as the monitor of each container: it runs the OCI runtime's {@code create}, holds the
 * container's stdio, writes the CRI log, records the exit code in the exit directory and survives jcri (it
 * double-forks). jcri spawns it with posix_spawn: only the two sync pipes are inherited, signals are reset and
 * the node's default rlimits apply.
 */
public final class Conmon implements ContainerMonitor {
    private static final LibC C = LibC.INSTANCE;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SYNC_FD = 3;
    private static final int START_FD = 4;
    private static final short POLLIN = 1;

    private final Path binary;
    private final Path runDir;
    private final Path exitDir;
    private final Map<Integer, Long> rlimits;
    private final String path;

    /**
     * @param binary  the conmon executable
     * @param runDir  per-container monitor directories ({@code <runDir>/<id>}: pid file, own output, attach socket)
     * @param exitDir where conmon writes {@code <id>} with the exit code
     * @param rlimits resource (RLIMIT_* number) to soft and hard limit, applied to conmon before it starts
     */
    public Conmon(Path binary, Path runDir, Path exitDir, Map<Integer, Long> rlimits) {
        this(binary, runDir, exitDir, rlimits, OciDefaults.SYSTEM_PATH);
    }

    /** @param path the PATH conmon and the runtime run with (CRIU's directory in it, for restores) */
    public Conmon(Path binary, Path runDir, Path exitDir, Map<Integer, Long> rlimits, String path) {
        this.binary = binary;
        this.runDir = runDir;
        this.exitDir = exitDir;
        this.rlimits = Map.copyOf(rlimits);
        this.path = path;
    }

    @Override
    public Path exitDir() {
        return exitDir;
    }

    /** The monitor's directory of a container. */
    @Override
    public Path dirOf(String id) {
        return runDir.resolve(id);
    }

    /**
     * Spawns conmon, which creates the container (stopped before its process runs) and reports its pid.
     *
     * @return the container's init pid
     */
    @Override
    public int create(CreateRequest req) {
        Path dir = dirOf(req.id());
        try {
            Files.createDirectories(dir);
            Files.createDirectories(exitDir);
            Files.deleteIfExists(exitDir.resolve(req.id()));
        } catch (IOException e) {
            throw new OciException("cannot prepare " + dir + ": " + e.getMessage(), e);
        }
        int[] sync = pipe();
        int[] start;
        try {
            start = pipe();
        } catch (RuntimeException e) {
            closeAll(sync[0], sync[1]);
            throw e;
        }
        try {
            int pid = PosixSpawn.spawn(PosixSpawn.withUmask022(argv(req, dir)), env(),
                    dir.resolve("conmon.out").toString(),
                    Map.of(SYNC_FD, sync[1], START_FD, start[0]));
            closeAll(sync[1], start[0]);
            sync[1] = -1;
            start[0] = -1;
            applyRlimits(pid);
            writeAll(start[1], new byte[]{0});
            reap(pid);
            return readPid(req, sync[0], dir);
        } finally {
            closeAll(sync[0], sync[1], start[0], start[1]);
        }
    }

    /**
     * The ids of the containers whose exit conmon has recorded: one directory read, so that a list call need not
     * look for each container's exit file.
     */
    @Override
    public Set<String> exitedIds() {
        try (Stream<Path> files = Files.list(exitDir)) {
            return files.map(f -> f.getFileName().toString()).collect(Collectors.toSet());
        } catch (java.nio.file.NoSuchFileException e) {
            return Set.of();
        } catch (IOException e) {
            throw new OciException("cannot list the exit files in " + exitDir + ": " + e.getMessage(), e);
        }
    }

    /** The exit code conmon recorded, empty while the container has not exited (or conmon has not noticed). */
    @Override
    public Optional<Integer> exitCode(String id) {
        Path f = exitDir.resolve(id);
        // Checking first spares the exception that a missing file costs: status calls ask this of every container
        // that is still running.
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            String s = Files.readString(f).strip();
            return s.isEmpty() ? Optional.empty() : Optional.of(Integer.parseInt(s));
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | NumberFormatException e) {
            throw new OciException("unreadable exit file " + f + ": " + e.getMessage(), e);
        }
    }

    /** When the exit file was written, in ns since the epoch; 0 when there is none. */
    @Override
    public long exitedAtNanos(String id) {
        try {
            return Files.getLastModifiedTime(exitDir.resolve(id)).to(java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Whether the container's conmon still runs (its pid file names a live process). */
    @Override
    public boolean monitorAlive(String id) {
        try {
            String pid = Files.readString(dirOf(id).resolve("conmon.pid")).strip();
            return pid.matches("\\d+") && io.jcri.oci.sys.Syscalls.alive(Integer.parseInt(pid));
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new OciException("cannot read the monitor pid of " + id + ": " + e.getMessage(), e);
        }
    }

    /** Whether conmon saw the container's cgroup kill a process for lack of memory. */
    @Override
    public boolean oomKilled(String id, Path bundle) {
        return Files.exists(dirOf(id).resolve("oom")) || Files.exists(bundle.resolve("oom"));
    }

    /** Asks conmon to reopen the log file (after kubelet rotated it) through its control fifo. */
    @Override
    public void reopenLog(String id, Path bundle) {
        Path ctl = bundle.resolve("ctl");
        if (!Files.exists(ctl)) {
            throw new OciException("container " + id + " has no monitor control fifo " + ctl
                    + "; is the container running?");
        }
        int fd = C.open(ctl.toString(), 1 /* O_WRONLY */ | 04000 /* O_NONBLOCK */ | Syscalls.O_CLOEXEC, 0);
        if (fd < 0) {
            throw ErrnoException.last("open", ctl.toString());
        }
        try {
            writeAll(fd, "2 0 0\n".getBytes(StandardCharsets.US_ASCII));
        } finally {
            C.close(fd);
        }
    }

    /**
     * Waits up to {@code timeout} for the container's conmon to exit, as it does once the container is gone; true
     * when no conmon of it runs (any more).
     */
    @Override
    public boolean awaitMonitorExit(String id, Duration timeout) {
        Path pidFile = dirOf(id).resolve("conmon.pid");
        long pid;
        try {
            pid = Long.parseLong(Files.readString(pidFile).strip());
        } catch (java.nio.file.NoSuchFileException e) {
            return true;
        } catch (IOException | NumberFormatException e) {
            throw new OciException("unreadable conmon pid file " + pidFile + ": " + e.getMessage(), e);
        }
        // The pid may have been reused by now: only a process that is conmon counts.
        Optional<ProcessHandle> monitor = ProcessHandle.of(pid).filter(h -> h.info().command()
                .filter(c -> c.endsWith("/conmon") || c.equals("conmon")).isPresent());
        if (monitor.isEmpty()) {
            return true;
        }
        try {
            monitor.get().onExit().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new OciException("waiting for conmon " + pid + " of " + id + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Removes the monitor's files of a removed container. */
    @Override
    public void forget(String id) {
        try {
            Files.deleteIfExists(exitDir.resolve(id));
            Trees.delete(dirOf(id));
        } catch (IOException e) {
            throw new OciException("cannot remove the monitor files of " + id + ": " + e.getMessage(), e);
        }
    }

    private List<String> argv(CreateRequest req, Path dir) {
        List<String> a = new ArrayList<>(List.of(binary.toString(), "--api-version", "1",
                "-c", req.id(), "-u", req.id(), "-n", req.name(),
                "-r", req.runtime().executable().toString(),
                "-b", req.bundle().toString(),
                "-p", dir.resolve("pidfile").toString(),
                "-P", dir.resolve("conmon.pid").toString(),
                "--persist-dir", dir.toString(),
                "--exit-dir", exitDir.toString(),
                "--socket-dir-path", dir.toString(),
                "--log-level", "info"));
        a.addAll(List.of("-l", req.logPath().isEmpty() ? "none:" : "k8s-file:" + req.logPath()));
        // conmon runs `<runtime> restore --detach --work-path <bundle> --image-path <dir>` instead of create
        req.restoreFrom().ifPresent(images -> a.addAll(List.of("--restore", images.toString())));
        for (String arg : req.runtime().globalArgs()) {
            a.add("--runtime-arg");
            a.add(arg);
        }
        if (req.terminal()) {
            a.add("-t");
        } else if (req.stdin()) {
            a.add("-i");
            if (!req.stdinOnce()) {
                a.add("--leave-stdin-open");
            }
        }
        return a;
    }

    private List<String> env() {
        return List.of("PATH=" + path,
                "_OCI_SYNCPIPE=" + SYNC_FD, "_OCI_STARTPIPE=" + START_FD);
    }

    private void applyRlimits(int pid) {
        for (Map.Entry<Integer, Long> e : rlimits.entrySet()) {
            long[] current = new long[2];
            prlimit(pid, e.getKey(), null, current);
            // Without CAP_SYS_RESOURCE a hard limit cannot be raised: the configured value is capped by it.
            long value = Long.compareUnsigned(e.getValue(), current[1]) > 0 ? current[1] : e.getValue();
            prlimit(pid, e.getKey(), new long[]{value, value}, null);
        }
    }

    /**
     * prlimit on the spawned process. Right after posix_spawn returns the child may still be inside execve, when
     * the kernel refuses with EPERM; that window is short, so the call is retried for a moment.
     */
    private static void prlimit(int pid, int resource, long[] newLimit, long[] oldLimit) {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (C.prlimit(pid, resource, newLimit, oldLimit) != 0) {
            ErrnoException e = ErrnoException.last("prlimit", "conmon " + pid + " resource " + resource);
            if (e.errno() != 1 || System.nanoTime() > deadline) {
                throw e;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw e;
            }
        }
    }

    /** conmon's first process exits as soon as it has forked the monitor; collect it so it leaves no zombie. */
    private static void reap(int pid) {
        try {
            ProcessExit.of(pid).get(10, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new OciException("conmon (pid " + pid + ") did not detach within 10s");
        } catch (ExecutionException e) {
            throw new OciException("waiting for conmon " + pid + " to detach: " + e.getCause().getMessage(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OciException("interrupted while waiting for conmon " + pid + " to detach", e);
        }
    }

    private int readPid(CreateRequest req, int fd, Path dir) {
        byte[] msg = readLine(fd, req.timeout(), req.id(), dir);
        try {
            JsonNode n = JSON.readTree(msg);
            int pid = n.has("data") ? n.path("data").asInt(-1) : n.path("pid").asInt(-1);
            if (pid <= 0) {
                String why = n.path("message").asText("");
                throw new OciException("creating container " + req.id() + " with " + req.runtime().handler()
                        + " failed: " + (why.isEmpty() ? conmonOutput(dir) : why.strip()));
            }
            return pid;
        } catch (IOException e) {
            throw new OciException("conmon sent an unreadable message for " + req.id() + ": "
                    + new String(msg, StandardCharsets.UTF_8), e);
        }
    }

    private static byte[] readLine(int fd, Duration timeout, String id, Path dir) {
        try {
            return readLineOrEnd(fd, timeout, id, dir);
        } finally {
            Readiness.forget(fd);
        }
    }

    private static byte[] readLineOrEnd(int fd, Duration timeout, String id, Path dir) {
        long deadline = System.nanoTime() + timeout.toNanos();
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new OciException("conmon did not report container " + id + " within " + timeout.toSeconds()
                        + "s", true, null);
            }
            int[] pollfd = {fd, POLLIN};
            int rc = C.poll(pollfd, 1, 0);
            if (rc < 0) {
                throw ErrnoException.last("poll", "conmon sync pipe");
            }
            if (rc == 0) {
                // waited for without a blocking native call, which would pin a virtual thread's carrier
                try {
                    Readiness.whenReadable(fd).get(left, TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    // the deadline is checked at the top
                } catch (ExecutionException e) {
                    throw new OciException("waiting for conmon to report " + id + ": " + e.getCause().getMessage(),
                            e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new OciException("interrupted while waiting for conmon to report " + id, e);
                }
                continue;
            }
            long n = C.read(fd, buf, buf.length);
            if (n < 0) {
                throw ErrnoException.last("read", "conmon sync pipe");
            }
            if (n == 0) {
                throw new OciException("conmon exited without reporting container " + id + ": " + conmonOutput(dir));
            }
            got.write(buf, 0, (int) n);
            if (buf[(int) n - 1] == '\n') {
                return got.toByteArray();
            }
        }
    }

    private static String conmonOutput(Path dir) {
        try {
            return Files.readString(dir.resolve("conmon.out")).strip();
        } catch (IOException e) {
            return "(no conmon output: " + e.getMessage() + ")";
        }
    }

    private static int[] pipe() {
        int[] fds = new int[2];
        if (C.pipe2(fds, Syscalls.O_CLOEXEC) != 0) {
            throw ErrnoException.last("pipe2", "conmon sync");
        }
        return fds;
    }

    private static void writeAll(int fd, byte[] data) {
        if (C.write(fd, data, data.length) != data.length) {
            throw ErrnoException.last("write", "fd " + fd);
        }
    }

    private static void closeAll(int... fds) {
        for (int fd : fds) {
            if (fd >= 0) {
                C.close(fd);
            }
        }
    }
}
