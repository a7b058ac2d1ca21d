package io.jcri.oci.cgroup;

import io.jcri.oci.OciException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a {@link CgroupDetail}: the stats sample plus the other counters and limits of the cgroup, from the v1
 * hierarchies or the v2 tree. About twenty small files per cgroup; the process list is cut at
 * {@link #MAX_PROCESSES} so that whoever walks the processes' descriptors does a bounded amount of work.
 */
public final class CgroupDetailReader {
    /** At most this many process ids are kept from cgroup.procs. */
    public static final int MAX_PROCESSES = 4096;
    /**
     * runc's linear conversion of CPU shares (2..262144) to a v2 weight (1..10000), read back as the smallest
     * share count that gives the weight.
     */
    private static final long SHARES_MAX = 262144;
    private static final long WEIGHT_MAX = 10000;
    private static final long NANOS_PER_TICK = 10_000_000L;

    private final CgroupStats stats;

    public CgroupDetailReader(CgroupStats stats) {
        this.stats = stats;
    }

    /** The detail of {@code path}; empty when the cgroup does not exist (any more). */
    public Optional<CgroupDetail> read(String path) {
        Optional<CgroupStats.Sample> sample = stats.read(path);
        if (sample.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(stats.layout.unified()
                    ? readV2(sample.get(), CgroupStats.dir(stats.layout.hierarchies().getFirst(), path))
                    : readV1(sample.get(), path));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | NumberFormatException e) {
            throw new OciException("reading the metrics of cgroup " + path + ": " + e.getMessage(), e);
        }
    }

    private CgroupDetail readV1(CgroupStats.Sample s, String path) throws IOException {
        Path cpuacct = dir("cpuacct", path);
        Path cpu = dir("cpu", path);
        Path memory = dir("memory", path);
        Path pids = dir("pids", path);
        Path blkio = dir("blkio", path);
        long user = number(cpuacct, "cpuacct.usage_user");
        long system = number(cpuacct, "cpuacct.usage_sys");
        if (user == 0 && system == 0 && cpuacct != null) {
            // Kernels before 4.7 only have cpuacct.stat, in USER_HZ (100 a second) ticks.
            Map<String, Long> ticks = CgroupStats.keyed(CgroupStats.readOptional(cpuacct.resolve("cpuacct.stat")));
            user = ticks.getOrDefault("user", 0L) * NANOS_PER_TICK;
            system = ticks.getOrDefault("system", 0L) * NANOS_PER_TICK;
        }
        Map<String, Long> cpuStat = keyed(cpu, "cpu.stat");
        Map<String, Long> mem = keyed(memory, "memory.stat");
        Map<String, Long> oom = keyed(memory, "memory.oom_control");
        List<Integer> procs = processIds(memory);
        long threads = pids != null && !CgroupStats.readOptional(pids.resolve("pids.current")).isEmpty()
                ? number(pids, "pids.current") : lineCount(memory, "tasks");
        long swap = number(memory, "memory.memsw.limit_in_bytes");
        long reservation = number(memory, "memory.soft_limit_in_bytes");
        String bytesFile = blkio != null && exists(blkio, "blkio.throttle.io_service_bytes_recursive")
                ? "blkio.throttle.io_service_bytes_recursive" : "blkio.io_service_bytes_recursive";
        String iosFile = blkio != null && exists(blkio, "blkio.throttle.io_serviced_recursive")
                ? "blkio.throttle.io_serviced_recursive" : "blkio.io_serviced_recursive";
        return new CgroupDetail(s, user, system, cpuStat.getOrDefault("nr_periods", 0L),
                cpuStat.getOrDefault("nr_throttled", 0L), cpuStat.getOrDefault("throttled_time", 0L),
                number(memory, "memory.max_usage_in_bytes"), mem.getOrDefault("total_cache", 0L),
                number(memory, "memory.kmem.usage_in_bytes"), mem.getOrDefault("total_mapped_file", 0L),
                mem.getOrDefault("total_active_file", 0L), mem.getOrDefault("total_inactive_file", 0L),
                number(memory, "memory.failcnt"), oom.getOrDefault("oom_kill", 0L), limited(procs),
                procs.size(), threads, limit(text(pids, "pids.max")), number(cpu, "cpu.cfs_period_us"),
                number(cpu, "cpu.shares"), limit(reservation), limit(swap),
                blkioV1(text(blkio, bytesFile), text(blkio, iosFile)));
    }

    private static CgroupDetail readV2(CgroupStats.Sample s, Path dir) throws IOException {
        Map<String, Long> cpu = keyed(dir, "cpu.stat");
        Map<String, Long> mem = keyed(dir, "memory.stat");
        Map<String, Long> events = keyed(dir, "memory.events");
        List<Integer> procs = processIds(dir);
        long threads = CgroupStats.readOptional(dir.resolve("pids.current")).isEmpty()
                ? lineCount(dir, "cgroup.threads") : number(dir, "pids.current");
        String[] cpuMax = text(dir, "cpu.max").split(" ");
        long weight = number(dir, "cpu.weight");
        long memoryMax = limit(text(dir, "memory.max"));
        long swapMax = limit(text(dir, "memory.swap.max"));
        long kernel = mem.containsKey("kernel") ? mem.get("kernel")
                : mem.getOrDefault("kernel_stack", 0L) + mem.getOrDefault("slab", 0L);
        return new CgroupDetail(s, cpu.getOrDefault("user_usec", 0L) * 1000,
                cpu.getOrDefault("system_usec", 0L) * 1000, cpu.getOrDefault("nr_periods", 0L),
                cpu.getOrDefault("nr_throttled", 0L), cpu.getOrDefault("throttled_usec", 0L) * 1000,
                number(dir, "memory.peak"), mem.getOrDefault("file", 0L), kernel,
                mem.getOrDefault("file_mapped", 0L), mem.getOrDefault("active_file", 0L),
                mem.getOrDefault("inactive_file", 0L), events.getOrDefault("max", 0L),
                events.getOrDefault("oom_kill", 0L), limited(procs), procs.size(), threads,
                limit(text(dir, "pids.max")), cpuMax.length == 2 ? Long.parseLong(cpuMax[1]) : 0,
                weight == 0 ? 0 : 2 + ((weight - 1) * (SHARES_MAX - 2) + WEIGHT_MAX - 2) / (WEIGHT_MAX - 1),
                limit(text(dir, "memory.low")), memoryMax > 0 && swapMax > 0 ? memoryMax + swapMax : 0,
                ioV2(text(dir, "io.stat")));
    }

    /** v1 blkio files: {@code major:minor Operation value} lines and a final {@code Total value}. */
    static List<CgroupDetail.BlockDevice> blkioV1(String bytes, String ios) {
        Map<String, Map<String, Long>> byteOps = new LinkedHashMap<>();
        Map<String, Map<String, Long>> ioOps = new LinkedHashMap<>();
        perDevice(bytes, byteOps);
        perDevice(ios, ioOps);
        List<CgroupDetail.BlockDevice> out = new ArrayList<>();
        byteOps.forEach((dev, ops) -> out.add(device(dev, ops, ioOps.getOrDefault(dev, Map.of()))));
        ioOps.forEach((dev, ops) -> {
            if (!byteOps.containsKey(dev)) {
                out.add(device(dev, Map.of(), ops));
            }
        });
        return out;
    }

    private static void perDevice(String text, Map<String, Map<String, Long>> out) {
        for (String line : text.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 3 && f[0].contains(":")) {
                out.computeIfAbsent(f[0], k -> new LinkedHashMap<>()).put(f[1].toLowerCase(Locale.ROOT),
                        Long.parseLong(f[2]));
            }
        }
    }

    /** v2 io.stat: {@code major:minor rbytes=.. wbytes=.. rios=.. wios=.. dbytes=.. dios=..} lines. */
    static List<CgroupDetail.BlockDevice> ioV2(String text) {
        List<CgroupDetail.BlockDevice> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length < 2 || !f[0].contains(":")) {
                continue;
            }
            Map<String, Long> kv = new HashMap<>();
            for (int i = 1; i < f.length; i++) {
                int eq = f[i].indexOf('=');
                if (eq > 0) {
                    kv.put(f[i].substring(0, eq), Long.parseLong(f[i].substring(eq + 1)));
                }
            }
            out.add(device(f[0], ops(kv, "bytes"), ops(kv, "ios")));
        }
        return out;
    }

    private static Map<String, Long> ops(Map<String, Long> kv, String suffix) {
        return Map.of("read", kv.getOrDefault("r" + suffix, 0L), "write", kv.getOrDefault("w" + suffix, 0L),
                "discard", kv.getOrDefault("d" + suffix, 0L));
    }

    private static CgroupDetail.BlockDevice device(String majorMinor, Map<String, Long> bytes,
                                                   Map<String, Long> ios) {
        int colon = majorMinor.indexOf(':');
        return new CgroupDetail.BlockDevice(Integer.parseInt(majorMinor.substring(0, colon)),
                Integer.parseInt(majorMinor.substring(colon + 1)), bytes, ios);
    }

    private static List<Integer> processIds(Path dir) throws IOException {
        List<Integer> out = new ArrayList<>();
        if (dir != null) {
            for (String line : CgroupStats.readOptional(dir.resolve("cgroup.procs")).split("\n")) {
                if (!line.isBlank()) {
                    out.add(Integer.parseInt(line.strip()));
                }
            }
        }
        return out;
    }

    private static List<Integer> limited(List<Integer> pids) {
        return pids.size() > MAX_PROCESSES ? pids.subList(0, MAX_PROCESSES) : pids;
    }

    private Path dir(String controller, String path) {
        return stats.hierarchy(controller).map(h -> CgroupStats.dir(h, path)).orElse(null);
    }

    /** A limit as the kernel writes it: "max" or v1's huge page-rounded number mean none (0). */
    private static long limit(String text) {
        return limit(CgroupStats.parseOrZero(text));
    }

    private static long limit(long value) {
        return value >= CgroupStats.UNLIMITED || value < 0 ? 0 : value;
    }

    private static String text(Path dir, String file) throws IOException {
        return dir == null ? "" : CgroupStats.readOptional(dir.resolve(file));
    }

    private static boolean exists(Path dir, String file) {
        return java.nio.file.Files.exists(dir.resolve(file));
    }

    private static long number(Path dir, String file) throws IOException {
        return CgroupStats.parseOrZero(text(dir, file));
    }

    private static Map<String, Long> keyed(Path dir, String file) throws IOException {
        return CgroupStats.keyed(text(dir, file));
    }

    private static long lineCount(Path dir, String file) throws IOException {
        return text(dir, file).lines().filter(l -> !l.isBlank()).count();
    }
}
