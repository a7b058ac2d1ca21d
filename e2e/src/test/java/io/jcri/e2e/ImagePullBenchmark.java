package io.jcri.e2e;

import io.jcri.e2e.ImageBuilder.Compression;
import io.jcri.e2e.ImageBuilder.Format;
import io.jcri.e2e.ImageBuilder.Layer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/** Large pull fixtures and the throughput measurement of a pull. */
public final class ImagePullBenchmark {
    private ImagePullBenchmark() {
    }

    /** {@code count} gzip layers of one file of {@code bytes} random (incompressible) bytes each. */
    public static List<Layer> randomLayers(int count, int bytes) throws IOException {
        SplittableRandom random = new SplittableRandom(42);
        List<Layer> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] data = new byte[bytes];
            for (int j = 0; j < bytes; j += 8) {
                long v = random.nextLong();
                for (int k = 0; k < 8 && j + k < bytes; k++) {
                    data[j + k] = (byte) (v >>> (8 * k));
                }
            }
            out.add(ImageBuilder.tar().file("data/layer" + i, 0644, data).layer(Compression.GZIP, Format.OCI));
        }
        return out;
    }

    /** Bytes in the regular files anywhere under {@code dir}; files vanishing meanwhile count as nothing. */
    static long bytesUnder(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    /** Runs {@code pull} and returns the compressed megabytes (10^6) per second it achieved for {@code bytes}. */
    static double measure(Runnable pull, long bytes) {
        long start = System.nanoTime();
        pull.run();
        return bytes / 1e6 / ((System.nanoTime() - start) / 1e9);
    }
}
