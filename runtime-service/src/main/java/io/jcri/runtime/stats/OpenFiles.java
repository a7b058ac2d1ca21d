package io.jcri.runtime.stats;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Counts the open file descriptors of a set of processes, and how many of them are sockets, from
 * {@code /proc/<pid>/fd}: one directory listing and one readlink per descriptor. At most {@link #MAX_DESCRIPTORS}
 * descriptors are looked at per call, so that a container holding a million sockets costs a metrics call no more
 * than that; beyond it the counts stop.
 *
 * @param descriptors open descriptors counted
 * @param sockets     of those, the sockets
 */
record OpenFiles(long descriptors, long sockets) {
    static final int MAX_DESCRIPTORS = 65536;

    /** Counts under {@code proc} (normally /proc); a process that is gone meanwhile counts nothing. */
    static OpenFiles count(Path proc, List<Integer> pids) {
        return count(proc, pids, MAX_DESCRIPTORS);
    }

    /** As {@link #count(Path, List)}, stopping after {@code max} descriptors. */
    static OpenFiles count(Path proc, List<Integer> pids, int max) {
        long fds = 0;
        long sockets = 0;
        for (int pid : pids) {
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(proc.resolve(Integer.toString(pid))
                    .resolve("fd"))) {
                for (Path fd : dir) {
                    if (fds == max) {
                        return new OpenFiles(fds, sockets);
                    }
                    fds++;
                    if (isSocket(fd)) {
                        sockets++;
                    }
                }
            } catch (IOException e) {
                // the process exited (or is exiting) while we listed it: it holds nothing any more
            }
        }
        return new OpenFiles(fds, sockets);
    }

    private static boolean isSocket(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString().startsWith("socket:");
        } catch (IOException e) {
            return false;
        }
    }
}
