package io.jcri.e2e.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;

/**
 * Memory of processes, read from /proc. The figure is PSS: a page mapped by n processes counts 1/n in each, so the
 * text of 110 shims (static Go binaries) or conmons counts once in all, where RSS would count it 110 times.
 */
final class ProcessMemory {
    private ProcessMemory() {
    }

    /** Sum of PSS in KiB ({@code /proc/PID/smaps_rollup}) over the processes; those gone count 0. */
    static long pssKib(Collection<Long> pids) {
        return pids.stream().mapToLong(ProcessMemory::pssKib).sum();
    }

    /** PSS in KiB of one process (0 when it is gone). */
    static long pssKib(long pid) {
        return field(Path.of("/proc", Long.toString(pid), "smaps_rollup"), "Pss:");
    }

    /** VmRSS in KiB of one process (0 when it is gone). */
    static long rssKib(long pid) {
        return field(Path.of("/proc", Long.toString(pid), "status"), "VmRSS:");
    }

    /**
     * PSS in KiB of a runtime's daemon, with the files of its own installation (the directory above its
     * executable's {@code bin}: the JDK for jcri, containerd's package for containerd) counted whole. On a node no
     * other process maps them; here the harness and other JVMs map the same JDK, which would hide about half of
     * libjvm.so from jcri's PSS.
     */
    static long daemonPssKib(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid));
        String install;
        try {
            install = Files.readSymbolicLink(proc.resolve("exe")).getParent().getParent() + "/";
        } catch (IOException e) {
            return 0;
        }
        long kib = 0;
        boolean own = false;
        try {
            for (String line : Files.readAllLines(proc.resolve("smaps"))) {
                if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                    // address perms offset dev inode [path]: the path is whatever follows the fifth field
                    String[] f = line.split("\\s+", 6);
                    own = f.length == 6 && f[5].startsWith(install);
                } else if (line.startsWith(own ? "Rss:" : "Pss:")) {
                    kib += Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException gone) {
            return 0;
        }
        return kib;
    }

    private static long field(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException gone) {
            return 0;
        }
        return 0;
    }
}
