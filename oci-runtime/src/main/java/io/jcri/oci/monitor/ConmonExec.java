package io.jcri.oci.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.oci.OciException;
import io.jcri.oci.fs.Trees;
import io.jcri.oci.runtime.ExecResult;
import io.jcri.oci.runtime.OciRuntime;
import io.jcri.oci.spec.OciDefaults;
import io.jcri.oci.spec.OciSpec;
import io.jcri.oci.spec.OciSpecJson;
import io.jcri.oci.sys.ErrnoException;
import io.jcri.oci.sys.LibC;
import io.jcri.oci.sys.PosixSpawn;
import io.jcri.oci.sys.ProcessExit;
import io.jcri.oci.sys.Readiness;
import io.jcri.oci.sys.Syscalls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ExecSync through conmon, as CRI-O runs it: conmon (kept as jcri's child with {@code --sync}) runs the runtime's
 * {@code exec --detach}, becomes the reaper of the exec'd process and reports the pid and the exit code on a sync
 * pipe; at the timeout jcri kills the process (through a pidfd) and conmon reaps and reports it as usual. The process writes straight into jcri's pipes ({@code -l passthrough}).
 *
 * <p>Running the runtime's foreground {@code exec} instead fails on a probe such as {@code sh -c 'sleep 600 &
 * echo ok'}: the background child keeps the output pipe open, so runc waits for it until the timeout, and readers
 * waiting for end of file never end. Here the exit is known from conmon; what is buffered is then read without
 * waiting for end of file, for a bounded time, and every descriptor is closed. No thread is started.
 */
public final class ConmonExec {
    private static final Logger LOG = LoggerFactory.getLogger(ConmonExec.class);
    private static final LibC C = LibC.INSTANCE;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int O_RDONLY = 0;
    private static final int EINTR = 4;
    private static final int SYNC_FD = 3;
    /** The longest sync message conmon sends ({"data": N, "message": "..."}); more is a broken monitor. */
    private static final int MAX_SYNC = 64 * 1024;
    /** After the process ended, how long buffered output may still be read (a background child may keep writing). */
    private static final long DRAIN_NANOS = 100_000_000L;

    private final Path binary;
    private final Path runDir;

    /**
     * @param binary the conmon executable
     * @param runDir per-container monitor directories; an exec works in a fresh directory below its container's
     */
    public ConmonExec(Path binary, Path runDir) {
        this.binary = binary;
        this.runDir = runDir;
    }

    /** One ExecSync: the container, its runtime and bundle, the process to run, and the limits. */
    public record Request(String containerId, OciRuntime runtime, Path bundle, OciSpec.Process process,
                          Duration timeout, int maxOutputBytes) {
    }

    /**
     * Runs the process and returns its exit code and output; stdout and stderr together keep at most
     * {@code maxOutputBytes}, the rest is read and dropped. A process the runtime could not start answers 255 with
     * the runtime's message on stderr, as the runtime's own exec does.
     *
     * @throws OciException when conmon cannot be started or the calling thread is interrupted (the process is
     *                      killed first)
     */
    public ExecResult exec(Request req) {
        String execId = Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 1);
        Path work = runDir.resolve(req.containerId()).resolve("exec-" + execId);
        try {
            Files.createDirectories(work);
            // A scratch file for this one call: no need for the fsyncs of an atomic write. Owner-only: it holds
            // the container's environment, Secret-backed variables included.
            try (var out = Files.newByteChannel(work.resolve("process.json"), Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                    "rw-------")))) {
                java.nio.ByteBuffer spec = java.nio.ByteBuffer.wrap(OciSpecJson.write(req.process()));
                while (spec.hasRemaining()) {
                    out.write(spec);
                }
            }
            return run(req, execId, work);
        } catch (IOException e) {
            throw new OciException("cannot prepare an exec in " + req.containerId() + ": " + e.getMessage(), e);
        } finally {
            Trees.deleteOrWarn(work);
        }
    }

    private ExecResult run(Request req, String execId, Path work) {
        int devNull = C.open("/dev/null", O_RDONLY | Syscalls.O_CLOEXEC, 0);
        if (devNull < 0) {
            throw ErrnoException.last("open", "/dev/null");
        }
        int[] out = {-1, -1};
        int[] err = {-1, -1};
        int[] sync = {-1, -1};
        int pid;
        try {
            Syscalls.pipe(out, "exec output");
            Syscalls.pipe(err, "exec output");
            Syscalls.pipe(sync, "exec output");
            pid = PosixSpawn.spawn(PosixSpawn.withUmask022(argv(req, execId, work)), env(), null,
                    Map.of(0, devNull, 1, out[1], 2, err[1], SYNC_FD, sync[1]), work.toString());
            closeAll(out[1], err[1], sync[1]);
            out[1] = -1;
            err[1] = -1;
            sync[1] = -1;
            Syscalls.nonBlocking(out[0]);
            Syscalls.nonBlocking(err[0]);
            Syscalls.nonBlocking(sync[0]);
        } catch (RuntimeException e) {
            closeAll(devNull, out[0], out[1], err[0], err[1], sync[0], sync[1]);
            throw e;
        }
        C.close(devNull);
        Session s = new Session(req, pid, out[0], err[0], sync[0]);
        try {
            return s.await();
        } finally {
            s.close();
        }
    }

    /** The output, sync messages and reaping of one running conmon. */
    private static final class Session {
        private final Request req;
        private final int conmonPid;
        private final int outFd;
        private final int errFd;
        private final int syncFd;
        private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        private final ByteArrayOutputStream syncBytes = new ByteArrayOutputStream();
        /** A probe prints a line or none: 8 KiB reads, not a 64 KiB buffer per call, a pipe's size. */
        private final byte[] buf = new byte[8192];
        private int kept;
        /** The pipes that reached their end (no longer waited on). */
        private final Set<Integer> atEnd = new HashSet<>(3);
        private final CompletableFuture<Integer> exit;
        private int execPidfd = -1;
        private boolean execPidSeen;

        Session(Request req, int conmonPid, int outFd, int errFd, int syncFd) {
            this.req = req;
            this.conmonPid = conmonPid;
            this.exit = ProcessExit.of(conmonPid);
            this.outFd = outFd;
            this.errFd = errFd;
            this.syncFd = syncFd;
        }

        ExecResult await() {
            long deadline = req.timeout().isZero() ? Long.MAX_VALUE : System.nanoTime() + req.timeout().toNanos();
            boolean timedOut = false;
            try {
                while (true) {
                    readAvailable();
                    if (exit.isDone()) {
                        break;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        // jcri keeps the time, not conmon: conmon's own timeout (-T) reports but leaves the
                        // process running. Killed here, the process is reaped and reported by conmon as usual.
                        timedOut = true;
                        killAll();
                        break;
                    }
                    awaitAnything(left);
                }
            } catch (InterruptedException e) {
                // The caller went away (a cancelled call): the process is killed, conmon then reports and ends.
                try {
                    killAll();
                } catch (InterruptedException again) {
                    LOG.debug("container {}: interrupted again while reaping conmon {}", req.containerId(),
                            conmonPid);
                }
                Thread.currentThread().interrupt();
                throw new OciException("exec in " + req.containerId() + " cancelled; the command was killed", e);
            }
            drain();
            return result(exit.getNow(-1), timedOut);
        }

        /** Waits up to {@code nanos} for conmon to end or a pipe not at its end to become readable. */
        private void awaitAnything(long nanos) throws InterruptedException {
            List<CompletableFuture<?>> any = new ArrayList<>(4);
            any.add(exit);
            for (int fd : new int[] {outFd, errFd, syncFd}) {
                if (!atEnd.contains(fd)) {
                    any.add(Readiness.whenReadable(fd));
                }
            }
            try {
                CompletableFuture.anyOf(any.toArray(CompletableFuture[]::new)).get(nanos, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                // the caller checks its deadline
            } catch (ExecutionException e) {
                throw new OciException("waiting for an exec in " + req.containerId() + ": "
                        + e.getCause().getMessage(), e.getCause());
            }
        }

        private ExecResult result(int waitStatus, boolean timedOut) {
            List<JsonNode> messages = syncMessages();
            int code;
            if (messages.size() >= 2 && messages.get(1).path("data").asInt(-1) >= 0) {
                code = messages.get(1).path("data").asInt();
            } else {
                // No exit code: the runtime did not start the process; its own message is on stderr.
                code = 255;
                messages.stream().map(m -> m.path("message").asText("")).filter(m -> !m.isEmpty()).findFirst()
                        .ifPresent(m -> appendStderr(m));
                LOG.debug("container {}: exec reported no exit code (conmon status {})", req.containerId(),
                        waitStatus);
            }
            return new ExecResult(timedOut ? -1 : code, stdout.toByteArray(), stderr.toByteArray(), timedOut);
        }

        private void appendStderr(String message) {
            byte[] m = (message + "\n").getBytes(StandardCharsets.UTF_8);
            keep(stderr, m, m.length);
        }

        /** The complete (newline-ended) messages conmon has sent so far. */
        private List<JsonNode> syncMessages() {
            List<JsonNode> r = new ArrayList<>();
            String text = syncBytes.toString(StandardCharsets.UTF_8);
            text = text.substring(0, text.lastIndexOf('\n') + 1);
            for (String line : text.split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    r.add(JSON.readTree(line));
                } catch (IOException e) {
                    throw new OciException("conmon sent an unreadable message for an exec in " + req.containerId()
                            + ": " + line, e);
                }
            }
            return r;
        }

        /** Reads whatever the pipes hold now, without waiting. */
        private void readAvailable() {
            readNow(outFd, stdout);
            readNow(errFd, stderr);
            if (readNow(syncFd, syncBytes) && !execPidSeen) {
                openExecPidfd();
            }
        }

        /** After conmon ended: what is still buffered, for a bounded time and without waiting for end of file. */
        private void drain() {
            long until = System.nanoTime() + DRAIN_NANOS;
            boolean more = true;
            while (more && System.nanoTime() < until) {
                more = readNow(outFd, stdout) | readNow(errFd, stderr);
            }
            readNow(syncFd, syncBytes);
        }

        /** True when something was read. */
        private boolean readNow(int fd, ByteArrayOutputStream into) {
            boolean any = false;
            while (true) {
                long n = C.read(fd, buf, buf.length);
                if (n > 0) {
                    any = true;
                    if (into == syncBytes) {
                        if (syncBytes.size() + n > MAX_SYNC) {
                            throw new OciException("conmon sent over " + MAX_SYNC + " bytes of sync messages for an "
                                    + "exec in " + req.containerId());
                        }
                        syncBytes.write(buf, 0, (int) n);
                    } else {
                        keep(into, buf, (int) n);
                    }
                    continue;
                }
                if (n < 0 && com.sun.jna.Native.getLastError() == EINTR) {
                    continue;
                }
                if (n == 0) {
                    atEnd.add(fd);
                }
                // 0: end of file; EAGAIN: nothing now. Any other error ends reading too: the pipe is ours.
                return any;
            }
        }

        private void keep(ByteArrayOutputStream into, byte[] b, int n) {
            int room = Math.max(0, req.maxOutputBytes() - kept);
            int k = Math.min(room, n);
            into.write(b, 0, k);
            kept += k;
        }

        /**
         * The exec'd process's pid arrives first; a pidfd on it lets a cancelled call kill exactly that process.
         * conmon is its reaper and reports the exit right after reaping, so a pidfd opened while no exit is
         * reported (checked again after opening) names that process and not a later one with the same pid.
         */
        private void openExecPidfd() {
            List<JsonNode> m = syncMessages();
            if (m.isEmpty()) {
                return;
            }
            execPidSeen = true;
            int pid = m.getFirst().path("data").asInt(-1);
            if (pid > 0 && m.size() == 1) {
                execPidfd = Syscalls.pidfdOpen(pid);
                readNow(syncFd, syncBytes);
                if (execPidfd >= 0 && syncMessages().size() > 1) {
                    C.close(execPidfd);
                    execPidfd = -1;
                }
            }
        }

        /**
         * Ends the exec: its process is killed and conmon, its reaper, reports and exits; conmon itself is killed
         * only when it does not (killed first, it would leave the process to whatever reaper the host has).
         */
        private void killAll() throws InterruptedException {
            if (execPidfd >= 0) {
                Syscalls.pidfdKill(execPidfd, Syscalls.SIGKILL);
                if (endsWithin(2_000_000_000L)) {
                    return;
                }
            }
            Syscalls.kill(conmonPid, Syscalls.SIGKILL);
            if (!endsWithin(3_000_000_000L)) {
                LOG.error("container {}: conmon {} of an exec did not end after SIGKILL", req.containerId(),
                        conmonPid);
            }
        }

        /** True once conmon is reaped, false when it still runs after {@code nanos}. */
        private boolean endsWithin(long nanos) throws InterruptedException {
            try {
                exit.get(nanos, TimeUnit.NANOSECONDS);
                return true;
            } catch (TimeoutException e) {
                return false;
            } catch (ExecutionException e) {
                throw new OciException("waiting for conmon " + conmonPid + ": " + e.getCause().getMessage(),
                        e.getCause());
            }
        }

        void close() {
            for (int fd : new int[] {outFd, errFd, syncFd}) {
                Readiness.forget(fd);
            }
            closeAll(outFd, errFd, syncFd, execPidfd);
        }
    }

    private List<String> argv(Request req, String execId, Path work) {
        List<String> a = new ArrayList<>(List.of(binary.toString(), "--api-version", "1",
                "-c", req.containerId(), "-u", execId, "-n", req.containerId(),
                "-r", req.runtime().executable().toString(),
                "-b", req.bundle().toString(),
                "-p", work.resolve("exec.pid").toString(),
                "-e", "--exec-process-spec", work.resolve("process.json").toString(),
                "-l", "passthrough",
                "--exit-dir", work.toString(),
                "--socket-dir-path", work.toString(),
                "--sync", "--log-level", "error"));
        for (String arg : req.runtime().globalArgs()) {
            a.add("--runtime-arg");
            a.add(arg);
        }
        return a;
    }

    private static List<String> env() {
        return List.of(OciDefaults.DEFAULT_PATH, "_OCI_SYNCPIPE=" + SYNC_FD);
    }

    private static void closeAll(int... fds) {
        for (int fd : fds) {
            if (fd >= 0) {
                C.close(fd);
            }
        }
    }
}
