package io.jcri.runtime.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExitWatcherTest {
    @TempDir
    Path dir;

    @Test
    void reportsExitFilesRenamedIntoPlaceAtOnce() throws IOException, InterruptedException {
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        Path exits = dir.resolve("exits");
        try (ExitWatcher ignored = ExitWatcher.start(exits, seen::add)) {
            // conmon writes a temporary file and renames it to the container id.
            Path tmp = Files.writeString(exits.resolve("abc.XYZ123"), "137");
            Files.move(tmp, exits.resolve("abc"), StandardCopyOption.ATOMIC_MOVE);

            String name;
            do {
                name = seen.poll(5, TimeUnit.SECONDS);
            } while (name != null && !name.equals("abc"));
            assertThat(name).isEqualTo("abc");
        }
    }

    @Test
    void reportsExitFilesAlreadyThereAtStart() throws IOException, InterruptedException {
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        Path exits = Files.createDirectories(dir.resolve("exits"));
        Files.writeString(exits.resolve("old"), "0");
        try (ExitWatcher ignored = ExitWatcher.start(exits, seen::add)) {
            assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo("old");
        }
    }
}
