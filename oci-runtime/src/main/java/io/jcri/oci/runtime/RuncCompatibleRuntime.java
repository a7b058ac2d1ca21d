package io.jcri.oci.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.oci.OciException;
import io.jcri.oci.spec.OciSpec;
import io.jcri.oci.spec.OciSpecJson;
import io.jcri.oci.sys.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * runc or crun through their shared command line, each handler with its own {@code --root}. The executable may be
 * a launcher that prepares the runtime's environment (see {@link HybridCgroupLauncher}).
 */
public final class RuncCompatibleRuntime implements OciRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(RuncCompatibleRuntime.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String handler;
    private final Path executable;
    private final Path root;
    private final Duration timeout;
    private final Optional<String> problem;
    private final Optional<String> recursiveReadOnlyProblem;

    /**
     * @param executable what to run as the runtime (the binary or its launcher)
     * @param root       the runtime's state directory ({@code --root})
     * @param timeout    the deadline of each call except exec
     * @param problem    why the runtime cannot work here, empty when it can
     * @param recursiveReadOnlyProblem why it cannot make recursive read-only mounts here, empty when it can
     */
    public RuncCompatibleRuntime(String handler, Path executable, Path root, Duration timeout,
                                 Optional<String> problem, Optional<String> recursiveReadOnlyProblem) {
        this.recursiveReadOnlyProblem = recursiveReadOnlyProblem;
        this.handler = handler;
        this.executable = executable;
        this.root = root;
        this.timeout = timeout;
        this.problem = problem;
    }

    @Override
    public String handler() {
        return handler;
    }

    @Override
    public Path executable() {
        return executable;
    }

    @Override
    public List<String> globalArgs() {
        return List.of("--root", root.toString());
    }

    @Override
    public Optional<String> problem() {
        return problem;
    }

    @Override
    public Optional<String> recursiveReadOnlyProblem() {
        return recursiveReadOnlyProblem;
    }

    @Override
    public void start(String id) {
        check(argv("start", id), timeout);
    }

    @Override
    public Optional<ContainerState> state(String id) {
        Command.Result r = Command.run(argv("state", id), timeout, 1 << 20);
        if (r.timedOut()) {
            throw new OciException(handler + " state " + id + " did not answer within " + timeout.toSeconds()
                    + "s", true, null);
        }
        if (r.exitCode() != 0) {
            if (notFound(r.stderrText())) {
                return Optional.empty();
            }
            throw new OciException(handler + " state " + id + " exited " + r.exitCode() + ": " + r.stderrText());
        }
        try {
            JsonNode n = JSON.readTree(r.stdout());
            return Optional.of(new ContainerState(n.path("id").asText(), n.path("status").asText(),
                    n.path("pid").asInt()));
        } catch (IOException e) {
            throw new OciException(handler + " state " + id + " printed unreadable JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public void kill(String id, int signal, boolean all) {
        List<String> args = new ArrayList<>(List.of("kill"));
        if (all) {
            args.add("--all");
        }
        args.add(id);
        args.add(String.valueOf(signal));
        Command.Result r = Command.run(argv(args.toArray(String[]::new)), timeout, 1 << 20);
        if (r.timedOut()) {
            throw new OciException(handler + " kill " + id + " did not finish within " + timeout.toSeconds() + "s",
                    true, null);
        }
        if (r.exitCode() != 0 && !notRunning(r.stderrText())) {
            throw new OciException(handler + " kill " + id + " " + signal + " exited " + r.exitCode() + ": "
                    + r.stderrText());
        }
    }

    @Override
    public void delete(String id) {
        Command.Result r = Command.run(argv("delete", "--force", id), timeout, 1 << 20);
        if (r.timedOut()) {
            throw new OciException(handler + " delete " + id + " did not finish within " + timeout.toSeconds()
                    + "s", true, null);
        }
        if (r.exitCode() != 0 && !notFound(r.stderrText())) {
            throw new OciException(handler + " delete " + id + " exited " + r.exitCode() + ": " + r.stderrText());
        }
    }

    @Override
    public void checkpoint(String id, Path imageDir, Path workDir, java.util.Map<String, String> env,
                           Duration deadline) {
        List<String> argv = argv("checkpoint", "--leave-running", "--image-path", imageDir.toString(),
                "--work-path", workDir.toString(), id);
        Command.Result r = Command.run(argv, env, null, deadline, 1 << 20);
        if (r.timedOut()) {
            throw new OciException(handler + " checkpoint " + id + " did not finish within " + deadline.toSeconds()
                    + "s", true, null);
        }
        if (r.exitCode() != 0) {
            throw new OciException(handler + " checkpoint " + id + " exited " + r.exitCode() + ": "
                    + r.stderrText() + criuLog(workDir.resolve("dump.log")));
        }
    }

    /**
     * CRIU's errors from its log (else its last lines), which say why it failed where the runtime's message does
     * not: the first error names the cause, the ones after it the unwinding.
     */
    private static String criuLog(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            List<String> errors = lines.stream().filter(l -> l.contains("Error (")).limit(5).toList();
            return "; " + log + ": " + String.join("\n", errors.isEmpty()
                    ? lines.subList(Math.max(0, lines.size() - 5), lines.size()) : errors);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void resume(String id) {
        check(argv("resume", id), timeout);
    }

    @Override
    public void update(String id, OciSpec.Resources resources) {
        try {
            Path file = Files.createTempFile("jcri-update-", ".json");
            try {
                Files.write(file, OciSpecJson.write(resources));
                check(argv("update", "--resources", file.toString(), id), timeout);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new OciException("cannot write the resources of " + id + ": " + e.getMessage(), e);
        }
    }

    private List<String> argv(String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(executable.toString());
        argv.addAll(globalArgs());
        argv.addAll(List.of(args));
        return argv;
    }

    /** Runs a runtime subcommand that must succeed within {@code timeout}; its stdout on success. */
    private static String check(List<String> argv, Duration timeout) {
        Command.Result r = Command.run(argv, timeout, 1 << 20);
        if (r.timedOut()) {
            throw new OciException(String.join(" ", argv) + " did not finish within " + timeout.toSeconds() + "s",
                    true, null);
        }
        if (r.exitCode() != 0) {
            throw new OciException(String.join(" ", argv) + " exited " + r.exitCode() + ": " + r.stderrText());
        }
        return r.stdoutText();
    }

    private static boolean notFound(String stderr) {
        String s = stderr.toLowerCase(java.util.Locale.ROOT);
        return s.contains("does not exist") || s.contains("not found") || s.contains("no such file");
    }

    private static boolean notRunning(String stderr) {
        String s = stderr.toLowerCase(java.util.Locale.ROOT);
        return notFound(s) || s.contains("not running") || s.contains("process already finished")
                || s.contains("no such process") || s.contains("container is stopped");
    }
}
