package io.jcri.image.layer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryTimesTest {
    private static final FileTime EARLY = FileTime.from(Instant.parse("2001-01-01T00:00:00Z"));
    private static final FileTime LATE = FileTime.from(Instant.parse("2002-02-02T00:00:00Z"));

    @TempDir
    Path dir;

    @Test
    void aDirectoryNamedByMillionsOfEntriesIsRememberedOnceWithTheLastTime() throws Exception {
        Path d = Files.createDirectory(dir.resolve("d"));
        DirectoryTimes times = new DirectoryTimes();
        for (int i = 0; i < 2_000_000; i++) {
            times.remember(d, EARLY);
        }
        times.remember(d, LATE);
        assertThat(times.pending()).isEqualTo(1);
        Files.createFile(d.resolve("child"));
        times.apply();
        assertThat(Files.getLastModifiedTime(d)).isEqualTo(LATE);
    }

    @Test
    void atMostABatchOfDirectoriesIsRememberedAndTheBatchIsSetWhenFull() throws Exception {
        DirectoryTimes times = new DirectoryTimes(100);
        Path first = null;
        for (int i = 0; i < 100; i++) {
            Path d = Files.createDirectory(dir.resolve("d" + i));
            first = first == null ? d : first;
            times.remember(d, EARLY);
            assertThat(times.pending()).isLessThan(100);
        }
        assertThat(times.pending()).isZero();
        assertThat(Files.getLastModifiedTime(first)).isEqualTo(EARLY);
    }

    @Test
    void forgettingADirectoryForgetsWhatIsBeneathItOnly() throws Exception {
        DirectoryTimes times = new DirectoryTimes();
        for (String d : new String[] {"a", "a/b", "a/b/c", "a-b", "ab", "a0"}) {
            times.remember(Files.createDirectories(dir.resolve(d)), EARLY);
        }
        times.forget(dir.resolve("a"));
        assertThat(times.pending()).isEqualTo(3);
    }
}
