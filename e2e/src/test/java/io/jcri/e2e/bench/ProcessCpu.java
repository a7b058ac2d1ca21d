package io.jcri.e2e.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.concurrent.TimeUnit;

/** CPU time processes have used so far (user plus system, their own, not their children's), from /proc/PID/stat. */
final class ProcessCpu {
    private static final double TICKS_PER_SECOND = clockTicks();

    private ProcessCpu() {
    }

    /** Seconds of CPU of the processes; those gone count 0. */
    static double seconds(Collection<Long> pids) {
        return pids.stream().mapToDouble(ProcessCpu::seconds).sum();
    }

    static double seconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // after the bracketed command name: state is field 3, utime and stime are fields 14 and 15
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
        } catch (IOException gone) {
            return 0;
        }
    }

    private static double clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("getconf CLK_TCK failed: " + out);
            }
            return Double.parseDouble(out);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run getconf CLK_TCK", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running getconf CLK_TCK", e);
        }
    }
}
