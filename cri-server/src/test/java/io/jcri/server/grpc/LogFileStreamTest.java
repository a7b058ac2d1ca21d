package io.jcri.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.jcri.api.v1.LogChunk;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogFileStreamTest {
    private static final Duration NEVER = Duration.ofDays(1);

    @TempDir
    Path dir;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    private FileChannel log(int bytes) throws Exception {
        Path file = dir.resolve("0.log");
        Files.write(file, "x".repeat(bytes).getBytes());
        return FileChannel.open(file);
    }

    @Test
    void theFileGoesOutOnlyWhenTheTransportTakesItThenTheCallCompletes() throws Exception {
        FileChannel file = log(150 * 1024);
        FakeServerCall<LogChunk> call = new FakeServerCall<>(false);
        LogFileStream.start(file, file.size(), call, "test log", NEVER, timer);
        assertThat(call.sent).isEmpty();

        call.becomeReady();

        assertThat(call.completed).isDone();
        assertThat(call.sent).extracting(c -> c.getData().size()).containsExactly(65536, 65536, 22528);
        assertThat(file.isOpen()).isFalse();
    }

    @Test
    void aCancelledCallClosesTheFile() throws Exception {
        FileChannel file = log(10);
        FakeServerCall<LogChunk> call = new FakeServerCall<>(false);
        LogFileStream.start(file, file.size(), call, "test log", NEVER, timer);

        call.cancel();

        assertThat(file.isOpen()).isFalse();
        assertThat(call.completed).isNotDone();
        assertThat(call.error).isNotDone();
    }

    @Test
    void aClientThatTakesNothingIsGivenUpOnWithDeadlineExceeded() throws Exception {
        FileChannel file = log(10);
        FakeServerCall<LogChunk> call = new FakeServerCall<>(false);
        LogFileStream.start(file, file.size(), call, "test log", Duration.ofMillis(1), timer);

        assertThat(Status.fromThrowable(call.error.get(30, TimeUnit.SECONDS)).getCode())
                .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(file.isOpen()).isFalse();
        assertThat(call.sent).isEmpty();
    }
}
