package io.jcri.oci.sys;

import io.jcri.oci.OciException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One run of an external command (a runtime subcommand, a CNI plugin) with a deadline: spawned like the monitor
 * (see {@link PosixSpawn}) so none of the JVM's signal dispositions or descriptors reach it, its input written and
 * its output read concurrently and capped, its end awaited without polling ({@link ProcessExit}), and at the
 * deadline it is killed with every process of its group.
 */
public final class Command {
    private static final LibC C = LibC.INSTANCE;
    private static final int O_RDONLY = 0;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Command.class);

    private Command() {
    }

    /** The finished command: exit code (-1 when it was killed at the deadline) and output. */
    public record Result(int exitCode, byte[] stdout, byte[] stderr, boolean timedOut) {
        public String stderrText() {
            return new String(stderr, StandardCharsets.UTF_8).strip();
        }

        public String stdoutText() {
            return new String(stdout, StandardCharsets.UTF_8);
        }
    }

    /** Runs {@code argv} with the daemon's environment and nothing on stdin. */
    public static Result run(List<String> argv, Duration timeout, int maxOutput) {
        return run(argv, Map.of(), null, timeout, maxOutput);
    }

    /**
     * Runs {@code argv} with the daemon's environment plus {@code extraEnv} (which wins), {@code stdin} as its
     * input (nothing when null), keeping at most {@code maxOutput} bytes of each output stream.
     *
     * @throws OciException when it cannot be started, or the caller is interrupted (it is killed then)
     */
    public static Result run(List<String> argv, Map<String, String> extraEnv, byte[] stdin, Duration timeout,
                             int maxOutput) {
        int[] in = {-1, -1};
        int[] out = {-1, -1};
        int[] err = {-1, -1};
        int pid;
        CompletableFuture<Integer> exit;
        Sink stdout;
        Sink stderr;
        try {
            if (stdin == null) {
                in[0] = C.open("/dev/null", O_RDONLY | Syscalls.O_CLOEXEC, 0);
                if (in[0] < 0) {
                    throw ErrnoException.last("open", "/dev/null");
                }
            } else {
                pipe(in);
            }
            pipe(out);
            pipe(err);
            pid = PosixSpawn.spawn(argv, environment(extraEnv), null, Map.of(0, in[0], 1, out[1], 2, err[1]));
            exit = ProcessExit.of(pid);
            closeAll(in[0], out[1], err[1]);
            in[0] = -1;
            out[1] = -1;
            err[1] = -1;
            if (stdin != null) {
                feed(writeEnd(in[1]), stdin);
            }
            stdout = new Sink(readEnd(out[0]), maxOutput);
            stderr = new Sink(readEnd(err[0]), maxOutput);
        } catch (IOException e) {
            throw new OciException("cannot run " + argv.getFirst() + ": " + e.getMessage(), e);
        } finally {
            closeAll(in[0], in[1], out[0], out[1], err[0], err[1]);
        }
        try {
            long deadline = timeout.isZero() ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
            Integer status = waitFor(exit, deadline);
            boolean timedOut = status == null;
            if (timedOut) {
                killGroup(pid);
                status = waitFor(exit, System.nanoTime() + 3_000_000_000L);
            }
            int code = status == null ? -1 : (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
            return new Result(timedOut ? -1 : code, stdout.bytes(), stderr.bytes(), timedOut);
        } catch (InterruptedException e) {
            // The caller went away (a cancelled call): end the command as at a deadline.
            killGroup(pid);
            try {
                waitFor(exit, System.nanoTime() + 3_000_000_000L);
            } catch (InterruptedException again) {
                LOG.debug("interrupted again while reaping {}", pid);
            }
            Thread.currentThread().interrupt();
            throw new OciException("interrupted while running " + String.join(" ", argv), e);
        }
    }

    /** The wait status once the process ended, or null at the deadline. */
    private static Integer waitFor(CompletableFuture<Integer> exit, long deadline) throws InterruptedException {
        try {
            return deadline == Long.MAX_VALUE ? exit.get()
                    : exit.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            throw new OciException("waiting for a command to end: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * Kills the command and whatever it started in its group (it leads a session of its own, see
     * {@link PosixSpawn}): a CNI plugin's iptables, a runtime's helpers; and the command by its pid too, should
     * it have moved to a group of its own.
     */
    private static void killGroup(int pid) {
        Syscalls.kill(-pid, Syscalls.SIGKILL);
        Syscalls.kill(pid, Syscalls.SIGKILL);
    }

    // A pipe end reopened through /proc gets a descriptor Java owns and closes; the raw one is closed after.
    private static InputStream readEnd(int fd) throws IOException {
        return new java.io.FileInputStream("/proc/self/fd/" + fd);
    }

    private static OutputStream writeEnd(int fd) throws IOException {
        return new java.io.FileOutputStream("/proc/self/fd/" + fd);
    }

    /**
     * Writes the command's input from a platform thread (a blocking pipe write would pin a virtual thread's
     * carrier) and closes it, so the command sees its end; a command that exits without reading it is no error.
     */
    private static void feed(OutputStream pipe, byte[] input) {
        Thread.ofPlatform().daemon().name("command-input").start(() -> {
            try (pipe) {
                pipe.write(input);
            } catch (IOException e) {
                LOG.debug("command input not read to its end: {}", e.getMessage());
            }
        });
    }

    private static void pipe(int[] fds) {
        if (C.pipe2(fds, Syscalls.O_CLOEXEC) != 0) {
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

    private static List<String> environment(Map<String, String> extra) {
        List<String> env = new ArrayList<>();
        System.getenv().forEach((k, v) -> {
            if (!extra.containsKey(k)) {
                env.add(k + "=" + v);
            }
        });
        extra.forEach((k, v) -> env.add(k + "=" + v));
        return env;
    }

    /** Reads a stream to its end in a platform thread of its own, keeping at most {@code max} bytes. */
    private static final class Sink {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private final Thread reader;

        Sink(InputStream in, int max) {
            // A platform thread: a blocking read of a pipe pins a virtual thread's carrier, and with a few of
            // them (two per command) the virtual threads waiting for the command could not run.
            reader = Thread.ofPlatform().daemon().name("command-output").start(() -> {
                // runtime and plugin output is short: 8 KiB reads, not 64 KiB of garbage per stream
                byte[] buf = new byte[8192];
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
