package io.jcri.oci.runtime;

import io.jcri.oci.OciException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One run of an external command with a deadline, its output read concurrently and capped. */
final class Command {
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

    /** Hooks a caller runs when the deadline passes, before the command itself is killed. */
    interface OnTimeout {
        void run();
    }

    static Result run(List<String> argv, Duration timeout, int maxOutput, OnTimeout onTimeout) {
        Process p;
        try {
            p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new OciException("cannot run " + argv.getFirst() + ": " + e.getMessage(), e);
        }
        Sink out = new Sink(p.getInputStream(), maxOutput);
        Sink err = new Sink(p.getErrorStream(), maxOutput);
        boolean timedOut = false;
        try {
            if (timeout.isZero()) {
                p.waitFor();
            } else if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut = true;
                onTimeout.run();
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            return new Result(timedOut ? -1 : p.exitValue(), out.bytes(), err.bytes(), timedOut);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new OciException("interrupted while running " + String.join(" ", argv), e);
        }
    }

    /** Runs a runtime subcommand that must succeed within {@code timeout}; its stdout on success. */
    static String check(List<String> argv, Duration timeout) {
        Result r = run(argv, timeout, 1 << 20, () -> { });
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
            reader = Thread.ofVirtual().name("command-output").start(() -> {
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
