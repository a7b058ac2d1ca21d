package io.jcri.oci.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProcessExitTest {
    private static final int O_RDWR = 2;

    private static int spawn(String script) {
        int devNull = LibC.INSTANCE.open("/dev/null", O_RDWR, 0);
        try {
            return PosixSpawn.spawn(List.of("/bin/sh", "-c", script), List.of(), null,
                    Map.of(0, devNull, 1, devNull, 2, devNull));
        } finally {
            LibC.INSTANCE.close(devNull);
        }
    }

    @Test
    void aChildsEndCompletesTheFutureWithItsWaitStatusAndReapsIt() throws Exception {
        int pid = spawn("exit 3");
        int status = ProcessExit.of(pid).get(30, TimeUnit.SECONDS);
        assertThat(status & 0x7f).as("not signalled").isZero();
        assertThat((status >> 8) & 0xff).isEqualTo(3);
        assertThat(LibC.INSTANCE.waitpid(pid, new int[1], 1)).as("already reaped").isEqualTo(-1);
    }

    @Test
    void aKilledChildReportsItsSignal() throws Exception {
        int pid = spawn("exec sleep 600");
        CompletableFuture<Integer> exit = ProcessExit.of(pid);
        assertThat(exit).isNotDone();
        Syscalls.kill(pid, 9);
        assertThat(exit.get(30, TimeUnit.SECONDS) & 0x7f).isEqualTo(9);
    }

    @Test
    void aProcessThatOutlivesItsParentIsWatchedToItsEndThoughNotOurs() throws Exception {
        Command.Result r = Command.run(List.of("/bin/sh", "-c", "sleep 600 >/dev/null 2>&1 & echo $!"),
                Duration.ofSeconds(30), 100);
        assertThat(r.exitCode()).as("its parent ended").isZero();
        int orphan = Integer.parseInt(r.stdoutText().strip());
        CompletableFuture<Integer> exit = ProcessExit.of(orphan);
        assertThat(exit).isNotDone();
        Syscalls.kill(orphan, 9);
        assertThat(exit.get(30, TimeUnit.SECONDS)).as("no wait status: not our child").isEqualTo(-1);
    }

    @Test
    void aPidWithNoProcessHasEndedAlready() throws Exception {
        int pid = spawn("exit 0");
        ProcessExit.of(pid).get(30, TimeUnit.SECONDS);
        assertThat(ProcessExit.of(pid)).isCompletedWithValue(-1);
    }

    @Test
    void aPipeIsReadableOnceWrittenOrClosed() throws Exception {
        int[] fds = new int[2];
        Syscalls.pipe(fds, "test");
        try {
            CompletableFuture<Void> readable = Readiness.whenReadable(fds[0]);
            assertThat(Readiness.whenReadable(fds[0])).as("one wait per descriptor").isSameAs(readable);
            assertThat(readable).isNotDone();
            LibC.INSTANCE.write(fds[1], new byte[] {1}, 1);
            readable.get(30, TimeUnit.SECONDS);
            assertThat(LibC.INSTANCE.read(fds[0], new byte[1], 1)).isEqualTo(1);

            CompletableFuture<Void> end = Readiness.whenReadable(fds[0]);
            assertThat(end).as("armed again, nothing to read").isNotDone();
            LibC.INSTANCE.close(fds[1]);
            fds[1] = -1;
            end.get(30, TimeUnit.SECONDS);
        } finally {
            Readiness.forget(fds[0]);
            LibC.INSTANCE.close(fds[0]);
            if (fds[1] >= 0) {
                LibC.INSTANCE.close(fds[1]);
            }
        }
    }
}
