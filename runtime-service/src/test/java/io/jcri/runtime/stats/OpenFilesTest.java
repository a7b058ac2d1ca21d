package io.jcri.runtime.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenFilesTest {
    @TempDir
    Path proc;

    @Test
    void countsDescriptorsAndSocketsOfEveryProcessSkippingOnesThatAreGone() throws IOException {
        fd(10, "0", "/dev/null");
        fd(10, "1", "socket:[4711]");
        fd(10, "2", "pipe:[12]");
        fd(11, "0", "socket:[4712]");

        assertThat(OpenFiles.count(proc, List.of(10, 11, 12))).isEqualTo(new OpenFiles(4, 2));
    }

    @Test
    void stopsAtTheBound() throws IOException {
        fd(10, "0", "/dev/null");
        fd(10, "1", "/dev/null");
        fd(11, "0", "/dev/null");

        assertThat(OpenFiles.count(proc, List.of(10, 11), 2).descriptors()).isEqualTo(2);
    }

    private void fd(int pid, String fd, String target) throws IOException {
        Path dir = Files.createDirectories(proc.resolve(Integer.toString(pid)).resolve("fd"));
        Files.createSymbolicLink(dir.resolve(fd), Path.of(target));
    }
}
