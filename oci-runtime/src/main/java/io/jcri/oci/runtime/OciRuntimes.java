package io.jcri.oci.runtime;

import io.jcri.oci.Executables;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The OCI runtime of each configured handler, made ready to run on this host (or with the reason it is not). */
public final class OciRuntimes {
    private final Map<String, OciRuntime> byHandler;

    private OciRuntimes(Map<String, OciRuntime> byHandler) {
        this.byHandler = byHandler;
    }

    /** The given runtimes by handler name, as they are (tests give fakes; {@link #create} probes real ones). */
    public static OciRuntimes of(Map<String, OciRuntime> byHandler) {
        return new OciRuntimes(Map.copyOf(byHandler));
    }

    /** How a handler is configured: its runtime binary (name or path) and state root (empty: the default). */
    public record HandlerConfig(String binary, String root) {
    }

    /**
     * @param runRoot jcri's volatile state directory; a handler's default {@code --root} is
     *                {@code <runRoot>/runtime/<handler>}
     */
    public static OciRuntimes create(Map<String, HandlerConfig> handlers, Path runRoot, Duration timeout) {
        // Each handler is probed by running its binary: side by side, as they do not depend on each other and
        // the daemon's start waits for them.
        Map<String, java.util.concurrent.Future<OciRuntime>> made = new LinkedHashMap<>();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            handlers.forEach((name, h) -> made.put(name, pool.submit(() -> make(name, h, runRoot, timeout))));
        }
        Map<String, OciRuntime> m = new LinkedHashMap<>();
        made.forEach((name, f) -> {
            if (f.state() == java.util.concurrent.Future.State.FAILED && f.exceptionNow() instanceof RuntimeException e) {
                throw e;
            }
            m.put(name, f.resultNow());
        });
        return new OciRuntimes(Map.copyOf(m));
    }

    private static OciRuntime make(String name, HandlerConfig h, Path runRoot, Duration timeout) {
        Path root = h.root().isEmpty() ? runRoot.resolve("runtime").resolve(name) : Path.of(h.root());
        Optional<Path> binary = Executables.find(h.binary());
        Optional<String> problem = RuntimeBinaryProbe.problem(h.binary());
        Path executable = binary.orElse(Path.of(h.binary()));
        Optional<String> rro = problem.isPresent() ? problem : RecursiveReadOnlyProbe.problem(executable);
        if (problem.isEmpty() && HybridCgroupLauncher.needed(executable)) {
            Path launcher = runRoot.resolve("runtime").resolve(name + ".launcher");
            problem = HybridCgroupLauncher.write(executable, launcher);
            executable = launcher;
        }
        return new RuncCompatibleRuntime(name, executable, root, timeout, problem, rro);
    }

    /**
     * Whether the handler's runtime may run pods in their own user namespace: crun 1.8 can; runc 1.1 is not offered
     * it because it silently ignores ID mappings on mounts, so volumes would show the wrong owners.
     */
    public static boolean supportsUserNamespaces(HandlerConfig h) {
        return Path.of(h.binary()).getFileName().toString().equals("crun");
    }

    /** The runtime of {@code handler}; empty when no such handler is configured. */
    public Optional<OciRuntime> forHandler(String handler) {
        return Optional.ofNullable(byHandler.get(handler));
    }

    public Map<String, OciRuntime> all() {
        return byHandler;
    }
}
