package io.jcri.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a daemon process holds, read from outside: its threads and open descriptors (/proc) and its live heap
 * (jcmd: a full GC, then the heap's used size). The first measurement attaches jcmd, which starts the JVM's
 * attach listener thread for good, so measure once before the figures that are compared.
 */
record DaemonFigures(long threads, long fds, long heapKib, long rssKib) {
    private static final Pattern USED = Pattern.compile("total \\d+K, used (\\d+)K");

    static DaemonFigures of(long pid) throws IOException, InterruptedException {
        long heap = heapKib(pid);
        return new DaemonFigures(status(pid, "Threads:"), fds(pid), heap, status(pid, "VmRSS:"));
    }

    static long fds(long pid) throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return s.count();
        }
    }

    static long threads(long pid) throws IOException {
        return status(pid, "Threads:");
    }

    /** The number on the line of /proc/PID/status that starts with {@code key}. */
    private static long status(long pid, String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no " + key + " in /proc/" + pid + "/status");
    }

    /** The heap in use after a full collection, the sum over its generations. */
    private static long heapKib(long pid) throws IOException, InterruptedException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        Pods.Result gc = Pods.exec(60, jcmd, Long.toString(pid), "GC.run");
        if (gc.exit() != 0) {
            throw new IllegalStateException("jcmd GC.run: " + gc.output());
        }
        Pods.Result info = Pods.exec(60, jcmd, Long.toString(pid), "GC.heap_info");
        Matcher m = USED.matcher(info.output());
        long used = 0;
        boolean found = false;
        while (m.find()) {
            used += Long.parseLong(m.group(1));
            found = true;
        }
        if (info.exit() != 0 || !found) {
            throw new IllegalStateException("jcmd GC.heap_info: " + info.output());
        }
        return used;
    }
}
