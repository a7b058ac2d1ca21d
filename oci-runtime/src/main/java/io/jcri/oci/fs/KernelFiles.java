package io.jcri.oci.fs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads the small files of procfs, sysfs and cgroupfs. Their reported sizes mean nothing (0 or 4096), so they are
 * read as a stream to their end; into a buffer sized for them, because {@code InputStream.readAllBytes} starts
 * with 16 KiB, and stats calls read half a dozen such files per container, every second.
 */
public final class KernelFiles {
    private static final int FIRST_BUFFER = 256;

    private KernelFiles() {
    }

    /** The file's content as UTF-8 text, surrounding white space stripped. */
    public static String read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[FIRST_BUFFER];
            int n = 0;
            int r;
            while ((r = in.read(buf, n, buf.length - n)) > 0) {
                n += r;
                if (n == buf.length) {
                    buf = Arrays.copyOf(buf, buf.length * 2);
                }
            }
            return new String(buf, 0, n, StandardCharsets.UTF_8).strip();
        }
    }
}
