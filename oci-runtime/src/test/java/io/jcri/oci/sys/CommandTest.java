package io.jcri.oci.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandTest {
    @Test
    void capturesOutputAndExitCode() {
        Command.Result r = Command.run(List.of("/bin/sh", "-c", "echo out; echo err >&2; exit 7"),
                Duration.ofSeconds(10), 1 << 20);
        assertThat(r.exitCode()).isEqualTo(7);
        assertThat(new String(r.stdout(), StandardCharsets.UTF_8)).isEqualTo("out\n");
        assertThat(r.stderrText()).isEqualTo("err");
    }

    @Test
    void killsAtTheDeadlineWhenTheHookDoesNotEndIt() {
        Command.Result r = Command.run(List.of("/bin/sleep", "3600"), Duration.ofSeconds(1), 1 << 20);
        assertThat(r.timedOut()).as("ended by the kill at the deadline, an hour before it would end itself").isTrue();
    }

    @Test
    void capsOutput() {
        Command.Result r = Command.run(List.of("/bin/sh", "-c", "head -c 100000 /dev/zero"), Duration.ofSeconds(10),
                1000);
        assertThat(r.stdout()).hasSize(1000);
        assertThat(r.exitCode()).isZero();
    }

    @Test
    void passesInputAndEnvironment() {
        byte[] input = "x".repeat(300_000).getBytes(StandardCharsets.UTF_8);
        Command.Result r = Command.run(List.of("/bin/sh", "-c", "echo \"$JCRI_T $PATH\"; wc -c"),
                Map.of("JCRI_T", "given"), input, Duration.ofSeconds(10), 1 << 20);
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdoutText()).isEqualTo("given " + System.getenv("PATH") + "\n300000\n");
    }

    @Test
    void aCommandThatDoesNotReadItsInputIsNoError() {
        Command.Result r = Command.run(List.of("/bin/true"), Map.of(), new byte[1 << 20], Duration.ofSeconds(10),
                1 << 20);
        assertThat(r.exitCode()).isZero();
    }

    @Test
    void theDeadlineKillsWhatTheCommandStartedToo() throws Exception {
        Path pidFile = Files.createTempFile("command-child", ".pid");
        try {
            Command.Result r = Command.run(List.of("/bin/sh", "-c", "sleep 3011 & echo $! > " + pidFile + "; wait"),
                    Duration.ofSeconds(1), 1 << 20);
            assertThat(r.timedOut()).isTrue();
            int child = Integer.parseInt(Files.readString(pidFile).strip());
            // SIGKILL went to the whole group; nothing tells when a process this JVM did not start has died
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (running(child) && System.nanoTime() < deadline) {
                Thread.yield();
            }
            assertThat(running(child)).as("the command's child %d", child).isFalse();
        } finally {
            Files.deleteIfExists(pidFile);
        }
    }

    /** Alive and not a zombie waiting for whoever inherited it to reap it. */
    private static boolean running(int pid) throws java.io.IOException {
        Path stat = Path.of("/proc/" + pid + "/stat");
        try {
            String s = Files.readString(stat);
            return s.charAt(s.lastIndexOf(')') + 2) != 'Z';
        } catch (java.nio.file.NoSuchFileException gone) {
            return false;
        }
    }
}
