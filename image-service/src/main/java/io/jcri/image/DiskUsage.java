package io.jcri.image;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;

/**
 * Bytes and inodes used under a directory, measured by walking it (hard-linked files counted once), or by a
 * single file.
 *
 * @param timestampNanos when the measurement was taken (epoch nanoseconds)
 */
public record DiskUsage(Path mountpoint, long usedBytes, long inodesUsed, long timestampNanos) {

    public static DiskUsage measure(Path dir) throws IOException {
        long now = System.currentTimeMillis() * 1_000_000L;
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return new DiskUsage(dir, 0, 0, now);
        }
        Set<Object> seen = new HashSet<>();
        long[] totals = new long[2];
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                totals[1]++;
                totals[0] += attrs.size();
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                Object key = attrs.fileKey();
                if (key == null || seen.add(key)) {
                    totals[1]++;
                    totals[0] += attrs.size();
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) {
                // a file removed while we walk (a layer being deleted) is simply not counted
                return FileVisitResult.CONTINUE;
            }
        });
        return new DiskUsage(dir, totals[0], totals[1], now);
    }
}
