package io.jcri.oci.cgroup;

import io.jcri.oci.OciException;
import io.jcri.oci.fs.KernelFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the usage counters of one cgroup: CPU time, memory and process count, from the v1 hierarchies
 * ({@code cpuacct}, {@code memory}, {@code pids}, each possibly mounted on its own) or the v2 tree, and its
 * pressure stall information from the v2 tree (on a v1 host, the one mounted beside the hierarchies). Paths are
 * relative to the hierarchy roots, as {@link CgroupManager} names them.
 */
public final class CgroupStats {
    /** v1 reports "no limit" as a huge page-rounded number; anything above this is no limit. */
    static final long UNLIMITED = Long.MAX_VALUE / 2;

    final CgroupLayout layout;

    public CgroupStats(CgroupLayout layout) {
        this.layout = layout;
    }

    /**
     * One reading of a cgroup's counters.
     *
     * @param cpuUsageNanos   CPU time used by all tasks since the cgroup was made
     * @param memoryUsage     bytes charged, page cache included
     * @param workingSet      usage minus inactive file pages (what the kernel cannot easily reclaim)
     * @param rss             anonymous memory
     * @param memoryLimit     the limit in bytes, 0 for none
     * @param pageFaults      minor and major faults
     * @param majorPageFaults faults that needed I/O
     * @param swapUsage       swap used, 0 when not accounted
     * @param processes       tasks in the cgroup
     * @param pressure        its pressure stall information, where the kernel and a v2 tree give it
     */
    public record Sample(long cpuUsageNanos, long memoryUsage, long workingSet, long rss, long memoryLimit,
                         long pageFaults, long majorPageFaults, long swapUsage, long processes,
                         Pressure pressure) {
    }

    /** The counters of {@code path}; empty when the cgroup does not exist (any more). */
    public Optional<Sample> read(String path) {
        try {
            return layout.unified() ? readV2(dir(layout.hierarchies().getFirst(), path)) : readV1(path);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | NumberFormatException e) {
            throw new OciException("reading the stats of cgroup " + path + ": " + e.getMessage(), e);
        }
    }

    private Optional<Sample> readV1(String path) throws IOException {
        Optional<Path> cpuacct = hierarchy("cpuacct").map(h -> dir(h, path));
        Optional<Path> memory = hierarchy("memory").map(h -> dir(h, path));
        Optional<Path> pids = hierarchy("pids").map(h -> dir(h, path));
        if (memory.isEmpty() || !Files.isDirectory(memory.get())) {
            return Optional.empty();
        }
        long cpu = cpuacct.isPresent() ? Long.parseLong(read(cpuacct.get().resolve("cpuacct.usage"))) : 0;
        Path mem = memory.get();
        Map<String, Long> stat = keyed(read(mem.resolve("memory.stat")));
        long usage = Long.parseLong(read(mem.resolve("memory.usage_in_bytes")));
        long limit = Long.parseLong(read(mem.resolve("memory.limit_in_bytes")));
        long inactiveFile = stat.getOrDefault("total_inactive_file", 0L);
        return Optional.of(new Sample(cpu, usage, Math.max(0, usage - inactiveFile),
                stat.getOrDefault("total_rss", 0L), limit >= UNLIMITED ? 0 : limit,
                stat.getOrDefault("total_pgfault", 0L), stat.getOrDefault("total_pgmajfault", 0L),
                stat.getOrDefault("total_swap", 0L), pids.isPresent() ? processes(pids.get()) : 0,
                pressure(layout.v2Tree().map(h -> dir(h, path)))));
    }

    private static Optional<Sample> readV2(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        Map<String, Long> cpu = keyed(read(dir.resolve("cpu.stat")));
        Map<String, Long> stat = keyed(readOptional(dir.resolve("memory.stat")));
        long usage = parseOrZero(readOptional(dir.resolve("memory.current")));
        long inactiveFile = stat.getOrDefault("inactive_file", 0L);
        return Optional.of(new Sample(cpu.getOrDefault("usage_usec", 0L) * 1000, usage,
                Math.max(0, usage - inactiveFile), stat.getOrDefault("anon", 0L),
                parseOrZero(readOptional(dir.resolve("memory.max"))), stat.getOrDefault("pgfault", 0L),
                stat.getOrDefault("pgmajfault", 0L), parseOrZero(readOptional(dir.resolve("memory.swap.current"))),
                processes(dir), pressure(Optional.of(dir))));
    }

    /** The pressure files of the cgroup's v2 directory, when there is one. */
    private static Pressure pressure(Optional<Path> v2) throws IOException {
        if (v2.isEmpty()) {
            return Pressure.NONE;
        }
        return new Pressure(Pressure.parse(readOptional(v2.get().resolve("cpu.pressure"))),
                Pressure.parse(readOptional(v2.get().resolve("memory.pressure"))),
                Pressure.parse(readOptional(v2.get().resolve("io.pressure"))));
    }

    private static long processes(Path dir) throws IOException {
        String current = readOptional(dir.resolve("pids.current"));
        if (!current.isEmpty()) {
            return Long.parseLong(current);
        }
        return readOptional(dir.resolve("cgroup.procs")).lines().filter(l -> !l.isBlank()).count();
    }

    /** Parses {@code key value} lines, as memory.stat and cpu.stat hold them. */
    static Map<String, Long> keyed(String text) {
        Map<String, Long> out = new HashMap<>();
        for (String line : text.split("\n")) {
            int sp = line.indexOf(' ');
            String value = sp > 0 ? line.substring(sp + 1).strip() : "";
            // Lines with several values (PSI style) are not counters this class reads.
            if (!value.isEmpty() && value.chars().allMatch(Character::isDigit)) {
                out.put(line.substring(0, sp), Long.parseLong(value));
            }
        }
        return out;
    }

    Optional<CgroupLayout.Hierarchy> hierarchy(String controller) {
        return layout.hierarchies().stream().filter(h -> h.has(controller)).findFirst();
    }

    static Path dir(CgroupLayout.Hierarchy h, String path) {
        Path dir = Path.of(h.mountPoint()).resolve(path.startsWith("/") ? path.substring(1) : path).normalize();
        if (!dir.startsWith(h.mountPoint())) {
            throw new IllegalArgumentException("cgroup path '" + path + "' leaves the cgroup hierarchy");
        }
        return dir;
    }

    static long parseOrZero(String s) {
        return s.isEmpty() || s.equals("max") ? 0 : Long.parseLong(s);
    }

    /** The file's content, empty when it does not exist (a controller or kernel without it). */
    static String readOptional(Path file) throws IOException {
        try {
            return read(file);
        } catch (NoSuchFileException e) {
            return "";
        }
    }

    static String read(Path file) throws IOException {
        return KernelFiles.read(file);
    }
}
