package io.jcri.oci.runtime;

import io.jcri.oci.OciException;
import io.jcri.oci.sys.ErrnoException;
import io.jcri.oci.sys.LibC;
import io.jcri.oci.sys.PosixSpawn;
import io.jcri.oci.sys.Syscalls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** One run of an external command with a deadline, its output read concurrently and capped. */
final class Command {
    private static final LibC C = LibC.INSTANCE;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 02000000;
    private static final int WNOHANG = 1;
    /**
     * Most runtime calls (state, start, an exec of a short command) end within this; polling every millisecond
     * until then keeps the poll from adding to their latency, and every 5 ms after it keeps long ones cheap.
     */
    private static final long FAST_POLL_NANOS = 300_000_000L;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Command.class);

    private Command() {
    }

    /** The finished command: exit code (-1 when it was killed at the deadline) and output. */
    record Result(int exitCode, byte[] stdout, byte[] stderr, boolean timedOut) {
        String stderrText() {
            return new String(stderr, StandardCharsets.UTF_8).strip();
        }

        String stdoutText() {
            return new String(stdout, StandardCharsets.UTF_8);
        }
    }

    /**
     * Runs {@code argv} spawned like the monitor (see {@link PosixSpawn}), so none of the JVM's signal dispositions
     * or descriptors reach the runtime; at the deadline it is killed.
     */
    static Result run(List<String> argv, Duration timeout, int maxOutput) {
        int devNull = C.open("/dev/null", O_RDONLY | O_CLOEXEC, 0);
        if (devNull < 0) {
            throw ErrnoException.last("open", "/dev/null");
        }
        int[] out = new int[2];
        int[] err = new int[2];
        int pid;
        Sink stdout;
        Sink stderr;
        try {
            pipe(out);
            pipe(err);
            pid = PosixSpawn.spawn(argv, environment(), null, Map.of(0, devNull, 1, out[1], 2, err[1]));
            closeAll(out[1], err[1]);
            out[1] = -1;
            err[1] = -1;
            stdout = new Sink(open(out[0]), maxOutput);
            stderr = new Sink(open(err[0]), maxOutput);
        } catch (IOException e) {
            throw new OciException("cannot run " + argv.getFirst() + ": " + e.getMessage(), e);
        } finally {
            closeAll(devNull, out[0], out[1], err[0], err[1]);
        }
        try {
            long deadline = timeout.isZero() ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
            Integer status = waitFor(pid, deadline);
            boolean timedOut = status == null;
            if (timedOut) {
                Syscalls.kill(pid, 9);
                status = waitFor(pid, System.nanoTime() + 3_000_000_000L);
            }
            int code = status == null ? -1 : (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
            return new Result(timedOut ? -1 : code, stdout.bytes(), stderr.bytes(), timedOut);
        } catch (InterruptedException e) {
            // The caller went away (a cancelled call): end the command as at a deadline.
            Syscalls.kill(pid, 9);
            try {
                waitFor(pid, System.nanoTime() + 3_000_000_000L);
            } catch (InterruptedException again) {
                LOG.debug("interrupted again while reaping {}", pid);
            }
            Thread.currentThread().interrupt();
            throw new OciException("interrupted while running " + String.join(" ", argv), e);
        }
    }

    /** The wait status once the process ended, or null at the deadline. */
    private static Integer waitFor(int pid, long deadline) throws InterruptedException {
        int[] status = new int[1];
        long fastUntil = System.nanoTime() + FAST_POLL_NANOS;
        while (true) {
            int rc = C.waitpid(pid, status, WNOHANG);
            if (rc == pid) {
                return status[0];
            }
            if (rc < 0) {
                throw ErrnoException.last("waitpid", String.valueOf(pid));
            }
            long now = System.nanoTime();
            if (now > deadline) {
                return null;
            }
            Thread.sleep(now < fastUntil ? 1 : 5);
        }
    }

    private static java.io.InputStream open(int fd) throws IOException {
        // A pipe end reopened through /proc gets a descriptor Java owns and closes; the raw one is closed after.
        return new java.io.FileInputStream("/proc/self/fd/" + fd);
    }

    private static void pipe(int[] fds) {
        if (C.pipe2(fds, O_CLOEXEC) != 0) {
            throw ErrnoException.last("pipe2", "command output");
        }
    }

    private static void closeAll(int... fds) {
        for (int fd : fds) {
            if (fd >= 0) {
                C.close(fd);
            }
        }
    }

    private static List<String> environment() {
        return System.getenv().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    /** Runs a runtime subcommand that must succeed within {@code timeout}; its stdout on success. */
    static String check(List<String> argv, Duration timeout) {
        Result r = run(argv, timeout, 1 << 20);
        if (r.timedOut()) {
            throw new OciException(String.join(" ", argv) + " did not finish within " + timeout.toSeconds() + "s",
                    true, null);
        }
        if (r.exitCode() != 0) {
            throw new OciException(String.join(" ", argv) + " exited " + r.exitCode() + ": " + r.stderrText());
        }
        return r.stdoutText();
    }

    /** Reads a stream to its end in a virtual thread, keeping at most {@code max} bytes. */
    private static final class Sink {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private final Thread reader;

        Sink(InputStream in, int max) {
            // A platform thread: a blocking read of a pipe pins a virtual thread's carrier, and with a few of
            // them (two per command) the virtual threads waiting for the command could not run.
            reader = Thread.ofPlatform().daemon().name("command-output").start(() -> {
                byte[] buf = new byte[65536];
                int n;
                try (in) {
                    while ((n = in.read(buf)) > 0) {
                        synchronized (kept) {
                            kept.write(buf, 0, Math.min(Math.max(0, max - kept.size()), n));
                        }
                    }
                } catch (IOException e) {
                    // The stream closes under the reader when the process is killed; what was read is kept.
                    LOG.debug("command output ended early: {}", e.getMessage());
                }
            });
        }

        /**
         * What was read, waiting briefly for the end: a process left behind in the container may hold the pipe
         * open after the command itself ended.
         */
        byte[] bytes() throws InterruptedException {
            reader.join(Duration.ofSeconds(2));
            synchronized (kept) {
                return kept.toByteArray();
            }
        }
    }
}
