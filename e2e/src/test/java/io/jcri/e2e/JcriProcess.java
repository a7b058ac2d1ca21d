package io.jcri.e2e;

import io.jcri.cri.CriClients;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real jcri daemon started through {@code bin/jcri serve} as a separate process, with its own socket, state
 * and run directories under a scratch directory, so tests never touch a jcri the machine may be running.
 */
public final class JcriProcess implements AutoCloseable {
    private final Path dir;
    private final Path socket;
    private final Path log;
    private final Path configFile;
    private Process process;

    private JcriProcess(Path dir, String logLevel, String extraToml) throws IOException {
        this.dir = dir;
        this.socket = dir.resolve("run/jcri.sock");
        this.log = dir.resolve("jcri.log");
        this.configFile = dir.resolve("jcri.toml");
        Files.writeString(configFile, baseToml(logLevel) + extraToml);
    }

    /**
     * The [server] and [state] sections that keep this daemon to its own directories, logging at {@code logLevel};
     * a test that rewrites the configuration file starts from them.
     */
    public String baseToml(String logLevel) {
        return """
                [server]
                socket = "%s"
                log_level = "%s"
                shutdown_grace_seconds = 5
                [state]
                root = "%s"
                run_root = "%s"
                """.formatted(socket, logLevel, dir.resolve("lib"), dir.resolve("run"));
    }

    /** A daemon with the default configuration plus {@code extraToml} (sections not named above). */
    public static JcriProcess start(String extraToml) throws Exception {
        return start(extraToml, Map.of());
    }

    /** Likewise, with {@code env} added to the daemon's environment. */
    public static JcriProcess start(String extraToml, Map<String, String> env) throws Exception {
        return start("debug", extraToml, env);
    }

    /**
     * A daemon logging as deployed ({@code info}: no line per call), for measurements; tests log at debug so that
     * a failure's log tells the whole story.
     */
    public static JcriProcess startAsDeployed(String extraToml) throws Exception {
        return start("info", extraToml, Map.of());
    }

    private static JcriProcess start(String logLevel, String extraToml, Map<String, String> env) throws Exception {
        JcriProcess p = new JcriProcess(Files.createTempDirectory("jcri-e2e-"), logLevel, extraToml);
        p.launch(env);
        return p;
    }

    /** The repository root, where bin/jcri lives. */
    public static Path repoRoot() {
        return Path.of(System.getProperty("jcri.root", "..")).toAbsolutePath().normalize();
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    public void launch() throws Exception {
        launch(Map.of());
    }

    /**
     * Starts the daemon again on the same directories, with {@code env} added to its environment (a test arms
     * fault points through it); a socket left by a killed daemon is removed first so the wait sees the new one.
     */
    public void launch(Map<String, String> env) throws Exception {
        if (process != null && !process.isAlive()) {
            Files.deleteIfExists(socket);
        }
        ProcessBuilder pb = command("serve").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        process = pb.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(socket)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("jcri exited " + process.exitValue() + ": " + logText());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("jcri did not create its socket in 60s: " + logText());
            }
            Thread.sleep(50);
        }
    }

    /** A {@code bin/jcri} command line with this daemon's configuration. */
    public ProcessBuilder command(String subcommand, String... args) {
        List<String> cmd = new ArrayList<>(List.of(repoRoot().resolve("bin/jcri").toString(), subcommand,
                "--config", configFile.toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    public String endpoint() {
        return "unix://" + socket;
    }

    public Path socket() {
        return socket;
    }

    public Path dir() {
        return dir;
    }

    public Process process() {
        return process;
    }

    public CriClients client() {
        return CriClients.connect(endpoint());
    }

    public String logText() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** SIGHUP: the daemon reads its configuration file again. */
    public void hangup() throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -HUP " + process.pid() + " failed");
        }
    }

    /** The configuration file the daemon reads (a test rewrites it before {@link #hangup()}). */
    public Path configFile() {
        return configFile;
    }

    /** SIGKILL, as the OOM killer would, and waits for the process to be gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, then waits; returns the exit code. */
    public int stop() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return process == null ? 0 : process.exitValue();
        }
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws Exception {
        stop();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
