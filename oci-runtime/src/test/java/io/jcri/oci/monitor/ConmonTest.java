package io.jcri.oci.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jcri.oci.runtime.OciRuntime;
import io.jcri.oci.runtime.OciRuntimes;
import io.jcri.oci.spec.OciDefaults;
import io.jcri.oci.spec.OciSpec;
import io.jcri.oci.runtime.ExecResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** conmon with the real runc and crun on a busybox bundle (root only). */
class ConmonTest {
    private static final int RLIMIT_NOFILE = 7;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void runsAContainerThatHoldsNothingOfTheJvm(String handler) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "ConmonTest needs root: skipped");
        OciRuntimes runtimes = OciRuntimes.create(Map.of(handler, new OciRuntimes.HandlerConfig(handler, "")),
                tmp.resolve("run"), Duration.ofSeconds(30));
        OciRuntime runtime = runtimes.forHandler(handler).orElseThrow();
        assertThat(runtime.problem()).isEmpty();
        Path bundle = BusyboxBundle.create(tmp.resolve("b-" + handler), List.of("sh", "-c",
                "echo out; echo err >&2; exec sleep 2"));
        Conmon conmon = new Conmon(Path.of("/usr/bin/conmon"), tmp.resolve("conmon"), tmp.resolve("exits"),
                Map.of(RLIMIT_NOFILE, 1048576L));
        String id = "jcri-test-" + handler + "-" + ProcessHandle.current().pid();
        Path log = tmp.resolve("ctr.log");
        try {
            int pid = conmon.create(new ContainerMonitor.CreateRequest(id, "t", runtime, bundle, log.toString(), false,
                    false, false, Duration.ofSeconds(30)));
            assertThat(pid).isPositive();
            assertThat(runtime.state(id).orElseThrow().status()).isEqualTo("created");
            runtime.start(id);
            ConmonExec exec = new ConmonExec(Path.of("/usr/bin/conmon"), tmp.resolve("conmon"));
            ExecResult r = exec.exec(new ConmonExec.Request(id, runtime, bundle, process("sh", "-c",
                    "ls /proc/1/fd; grep -E '^Sig(Ign|Blk)' /proc/1/status; grep 'open files' /proc/1/limits"),
                    Duration.ofSeconds(10), 1 << 20));
            String inside = new String(r.stdout(), StandardCharsets.UTF_8);
            assertThat(inside).isEqualTo("0\n1\n2\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n"
                    + "Max open files            1024                 1024                 files     \n");
            ExecResult self = exec.exec(new ConmonExec.Request(id, runtime, bundle, process("grep", "-E",
                    "^Sig(Ign|Blk)", "/proc/self/status"), Duration.ofSeconds(10), 1 << 20));
            assertThat(new String(self.stdout(), StandardCharsets.UTF_8))
                    .isEqualTo("SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
            // conmon writes the exit file, then exits
            assertThat(conmon.awaitMonitorExit(id, Duration.ofSeconds(60))).isTrue();
            assertThat(conmon.exitCode(id)).contains(0);
            assertThat(Files.readAllLines(log)).hasSize(2)
                    .anyMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+[+Z0-9:]* stdout F out"))
                    .anyMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+[+Z0-9:]* stderr F err"));
        } finally {
            runtime.delete(id);
            conmon.forget(id);
            BusyboxBundle.removeCgroups();
        }
    }

    /**
     * A probe such as {@code sh -c 'sleep 600 & echo ok'} leaves a child holding the output pipe: the exec still
     * answers at once with the output, and leaves no descriptor or thread behind in the daemon. Also the timeout,
     * the output cap and a command the runtime cannot start.
     */
    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void execSyncEndsWithTheProcessNotWithItsBackgroundChildren(String handler) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "ConmonTest needs root: skipped");
        OciRuntimes runtimes = OciRuntimes.create(Map.of(handler, new OciRuntimes.HandlerConfig(handler, "")),
                tmp.resolve("run"), Duration.ofSeconds(30));
        OciRuntime runtime = runtimes.forHandler(handler).orElseThrow();
        Path bundle = BusyboxBundle.create(tmp.resolve("b-" + handler), List.of("sleep", "600"));
        Conmon conmon = new Conmon(Path.of("/usr/bin/conmon"), tmp.resolve("conmon"), tmp.resolve("exits"),
                Map.of());
        ConmonExec exec = new ConmonExec(Path.of("/usr/bin/conmon"), tmp.resolve("conmon"));
        String id = "jcri-exec-" + handler + "-" + ProcessHandle.current().pid();
        try {
            conmon.create(new ContainerMonitor.CreateRequest(id, "t", runtime, bundle, "", false, false, false,
                    Duration.ofSeconds(30)));
            runtime.start(id);
            // Warm up, then count what the daemon holds.
            exec.exec(new ConmonExec.Request(id, runtime, bundle, process("true"), Duration.ofSeconds(10), 1024));
            long fds = openFds();
            int threads = Thread.activeCount();
            for (int i = 0; i < 5; i++) {
                ExecResult r = exec.exec(new ConmonExec.Request(id, runtime, bundle, process("sh", "-c",
                        "sleep 600 & echo ok; exit 3"), Duration.ofSeconds(300), 1024));
                assertThat(new String(r.stdout(), StandardCharsets.UTF_8)).isEqualTo("ok\n");
                assertThat(r.exitCode()).isEqualTo(3);
                // ended by the shell's exit, not by the timeout nor by the end of the background sleep
                assertThat(r.timedOut()).isFalse();
            }
            assertThat(openFds()).isEqualTo(fds);
            assertThat(Thread.activeCount()).isLessThanOrEqualTo(threads);

            ExecResult slow = exec.exec(new ConmonExec.Request(id, runtime, bundle, process("sleep", "30"),
                    Duration.ofSeconds(1), 1024));
            assertThat(slow.timedOut()).isTrue();
            // critest's "execSync with timeout": the timed-out process is gone, not left running.
            assertThat(psShows(exec, id, runtime, bundle, "sleep 30")).isFalse();

            ExecResult big = exec.exec(new ConmonExec.Request(id, runtime, bundle, process("sh", "-c",
                    "head -c 100000 /dev/zero; head -c 100000 /dev/zero >&2"), Duration.ofSeconds(10), 150_000));
            assertThat(big.stdout().length + big.stderr().length).isEqualTo(150_000);
            assertThat(big.exitCode()).isZero();

            // A cancelled call (its thread interrupted) kills the process; conmon reaps it and is reaped in turn.
            Thread cancelled = Thread.ofVirtual().start(() -> exec.exec(new ConmonExec.Request(id, runtime, bundle,
                    process("sleep", "4242"), Duration.ofSeconds(60), 1024)));
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            // each look is an exec in the container: no pause needed between them
            while (!psShows(exec, id, runtime, bundle, "sleep 4242") && System.nanoTime() < until) {
                Thread.yield();
            }
            assertThat(psShows(exec, id, runtime, bundle, "sleep 4242")).isTrue();
            cancelled.interrupt();
            cancelled.join(Duration.ofSeconds(10));
            assertThat(cancelled.isAlive()).isFalse();
            until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (psShows(exec, id, runtime, bundle, "sleep 4242") && System.nanoTime() < until) {
                Thread.yield();
            }
            assertThat(psShows(exec, id, runtime, bundle, "sleep 4242")).isFalse();
            assertThat(ProcessHandle.current().children().filter(h -> h.info().command().orElse("")
                    .endsWith("conmon")).toList()).isEmpty();

            ExecResult missing = exec.exec(new ConmonExec.Request(id, runtime, bundle, process("no-such-command"),
                    Duration.ofSeconds(10), 1024));
            assertThat(missing.exitCode()).isNotZero();
            assertThat(new String(missing.stderr(), StandardCharsets.UTF_8)).contains("no-such-command");
            assertThat(Files.list(tmp.resolve("conmon").resolve(id)).map(p -> p.getFileName().toString()))
                    .noneMatch(n -> n.startsWith("exec-"));
        } finally {
            runtime.delete(id);
            conmon.forget(id);
            BusyboxBundle.removeCgroups();
        }
    }

    private static boolean psShows(ConmonExec exec, String id, OciRuntime runtime, Path bundle, String what) {
        ExecResult ps = exec.exec(new ConmonExec.Request(id, runtime, bundle, process("ps", "-o", "args"),
                Duration.ofSeconds(10), 1 << 16));
        return new String(ps.stdout(), StandardCharsets.UTF_8).contains(what);
    }

    private static OciSpec.Process process(String... args) {
        return new OciSpec.Process(false, new OciSpec.User(0, 0, null, null), List.of(args),
                List.of(OciDefaults.DEFAULT_PATH), "/", null, null, true, null, null, null);
    }

    private static long openFds() throws java.io.IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
