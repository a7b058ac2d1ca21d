package io.jcri.e2e.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** Resident memory of processes, read from /proc: the runtime daemon and its per-container monitors. */
final class ProcessMemory {
    private ProcessMemory() {
    }

    /** Sum of VmRSS in KiB over processes whose command line matches. */
    static long rssKib(Predicate<String> cmdline) {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> cmdline.test(cmdline(p)))
                    .mapToLong(ProcessMemory::vmRssKib).sum();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
    }

    /** VmRSS in KiB of one process (0 when it is gone). */
    static long rssKib(long pid) {
        return vmRssKib(Path.of("/proc", Long.toString(pid)));
    }

    private static String cmdline(Path proc) {
        try {
            return new String(Files.readAllBytes(proc.resolve("cmdline"))).replace('\0', ' ').strip();
        } catch (IOException e) {
            return "";
        }
    }

    private static long vmRssKib(Path proc) {
        try {
            for (String line : Files.readAllLines(proc.resolve("status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
