package io.jcri.oci.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
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
        long start = System.nanoTime();
        Command.Result r = Command.run(List.of("/bin/sleep", "30"), Duration.ofSeconds(1), 1 << 20);
        assertThat(r.timedOut()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    }

    @Test
    void capsOutput() {
        Command.Result r = Command.run(List.of("/bin/sh", "-c", "head -c 100000 /dev/zero"), Duration.ofSeconds(10),
                1000);
        assertThat(r.stdout()).hasSize(1000);
        assertThat(r.exitCode()).isZero();
    }
}
