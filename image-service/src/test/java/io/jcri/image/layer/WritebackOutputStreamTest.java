package io.jcri.image.layer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WritebackOutputStreamTest {
    @TempDir
    Path dir;

    @Test
    void aFileSpanningSeveralStepsIsWrittenWhole() throws Exception {
        byte[] data = new byte[(int) (2.5 * WritebackOutputStream.STEP)];
        new Random(7).nextBytes(data);
        Path f = dir.resolve("big");
        try (OutputStream out = new WritebackOutputStream(FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), f)) {
            for (int off = 0; off < data.length; off += 16384) {
                out.write(data, off, Math.min(16384, data.length - off));
            }
            out.write(42);
        }
        byte[] back = Files.readAllBytes(f);
        assertThat(back).hasSize(data.length + 1);
        assertThat(back[data.length]).isEqualTo((byte) 42);
        assertThat(Arrays.equals(back, 0, data.length, data, 0, data.length)).isTrue();
    }

    @Test
    void aSmallFileIsWrittenWhole() throws Exception {
        Path f = dir.resolve("small");
        try (OutputStream out = new WritebackOutputStream(FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), f)) {
            out.write("hello".getBytes());
        }
        assertThat(Files.readString(f)).isEqualTo("hello");
    }
}
