package io.jcri.oci.fs;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Whole directory trees of jcri's own files: the one recursive delete. */
public final class Trees {
    private static final Logger LOG = LoggerFactory.getLogger(Trees.class);

    private Trees() {
    }

    /**
     * Deletes {@code dir} and everything below it; a missing one is fine, and so is a file. Links are removed, not
     * followed.
     */
    public static void delete(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(p);
                } catch (DirectoryNotEmptyException e) {
                    throw new IOException(p + " is not empty (a mount left inside?)", e);
                }
            }
        }
    }

    /** {@link #delete}, for scratch directories whose removal may fail without failing the caller: logged. */
    public static void deleteOrWarn(Path dir) {
        try {
            delete(dir);
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", dir, e.getMessage());
        }
    }
}
