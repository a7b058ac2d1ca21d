package io.jcri.oci.checkpoint;

import io.jcri.oci.Executables;
import io.jcri.oci.OciException;
import io.jcri.oci.spec.OciDefaults;
import io.jcri.oci.sys.Command;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The CRIU binary that checkpoints and restores containers, and whether it works on this host: {@code criu check}
 * runs once, at start, beside the daemon's other start work (a CRIU that predates the kernel fails it). The OCI
 * runtimes find CRIU on their PATH, so its directory comes first in the PATH they are given ({@link #path}).
 */
public final class Criu {
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(30);

    private final String configured;
    private final Optional<Path> binary;
    private final CompletableFuture<Optional<String>> problem;

    private Criu(String configured, Optional<Path> binary, CompletableFuture<Optional<String>> problem) {
        this.configured = configured;
        this.binary = binary;
        this.problem = problem;
    }

    /** Starts probing {@code nameOrPath} (a name on PATH or an absolute path) with {@code criu check}. */
    public static Criu probe(String nameOrPath) {
        Optional<Path> binary = Executables.find(nameOrPath);
        if (binary.isEmpty()) {
            return new Criu(nameOrPath, binary, CompletableFuture.completedFuture(Optional.of("CRIU '" + nameOrPath
                    + "' not found (scripts/install-deps.sh installs one at /opt/jcri/criu/bin/criu; "
                    + "[checkpoint] criu_path names it)")));
        }
        CompletableFuture<Optional<String>> f = new CompletableFuture<>();
        Thread.ofVirtual().name("criu-check").start(() -> f.complete(check(binary.get())));
        return new Criu(nameOrPath, binary, f);
    }

    /** A CRIU known not to work, for tests. */
    public static Criu unavailable(String why) {
        return new Criu("criu", Optional.empty(), CompletableFuture.completedFuture(Optional.of(why)));
    }

    private static Optional<String> check(Path p) {
        try {
            Command.Result r = Command.run(List.of(p.toString(), "check"), CHECK_TIMEOUT, 64 << 10);
            if (r.timedOut()) {
                return Optional.of(p + " check did not answer within " + CHECK_TIMEOUT.toSeconds() + "s");
            }
            if (r.exitCode() != 0) {
                return Optional.of(p + " check failed (exit " + r.exitCode() + "): CRIU cannot checkpoint on this "
                        + "kernel: " + (r.stderrText() + " " + r.stdoutText().strip()).strip());
            }
            return Optional.empty();
        } catch (OciException e) {
            return Optional.of("cannot run " + p + ": " + e.getMessage());
        }
    }

    /** The binary as configured. */
    public String configured() {
        return configured;
    }

    /** Empty when CRIU works here; otherwise what is missing, in words. Waits for the probe started at start. */
    public Optional<String> problem() {
        try {
            return problem.get(CHECK_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return Optional.of("probing CRIU failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while probing CRIU");
        }
    }

    /** The PATH an OCI runtime or its monitor runs with: CRIU's directory first, then the system's. */
    public String path() {
        return binary.map(b -> b.getParent() + ":").orElse("") + OciDefaults.SYSTEM_PATH;
    }

    /** The environment additions of a runtime command that runs CRIU. */
    public Map<String, String> env() {
        return Map.of("PATH", path());
    }
}
