package io.jcri.image.layer;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jcri.cri.CriException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Whatever bytes a registry serves as a layer, unpacking them into a directory either succeeds or throws an
 * {@link CriException} or an {@link IOException} (a malformed archive), and nothing is ever written outside that
 * directory: its parent holds only it and an untouched sibling afterwards. As root, ownership is applied and device
 * nodes are made, so every input unpacks into a fresh temporary directory that is deleted afterwards.
 */
class LayerUnpackerFuzzTest {
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    @FuzzTest(maxDuration = "20s")
    void unpackStaysInsideItsDirectory(byte[] input) throws IOException {
        Path base = Files.createTempDirectory("jcri-unpack-fuzz-");
        try {
            Path root = Files.createDirectory(base.resolve("layer"));
            Path sibling = Files.createDirectory(base.resolve("outside"));
            try {
                new LayerUnpacker(ROOT, 64L << 20).unpack(new ByteArrayInputStream(input), root);
            } catch (CriException | IOException expected) {
                // the documented outcomes for a refused or malformed layer
            }
            try (Stream<Path> s = Files.list(base)) {
                List<Path> entries = s.toList();
                if (entries.size() != 2 || !Files.isDirectory(sibling) || Files.isSymbolicLink(sibling)) {
                    throw new AssertionError("unpacking wrote beside its directory: " + entries);
                }
            }
            try (Stream<Path> s = Files.list(sibling)) {
                if (s.findAny().isPresent()) {
                    throw new AssertionError("unpacking wrote into a sibling directory");
                }
            }
        } finally {
            deleteTree(base);
        }
    }

    /** Deletes without following symlinks, so a hostile link in the layer cannot aim the cleanup elsewhere. */
    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
