package io.jcri.oci.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupDetailReaderTest {
    @TempDir
    Path root;

    @Test
    void readsV1CountersLimitsAndDevicesFromEachControllersHierarchy() throws IOException {
        write("cpuacct/jcri/c1/cpuacct.usage", "5000000000\n");
        write("cpuacct/jcri/c1/cpuacct.usage_user", "3000000000\n");
        write("cpuacct/jcri/c1/cpuacct.usage_sys", "2000000000\n");
        write("cpu/jcri/c1/cpu.stat", "nr_periods 40\nnr_throttled 7\nthrottled_time 1500000000\n");
        write("cpu/jcri/c1/cpu.cfs_period_us", "100000\n");
        write("cpu/jcri/c1/cpu.shares", "512\n");
        write("memory/jcri/c1/memory.usage_in_bytes", "10000\n");
        write("memory/jcri/c1/memory.max_usage_in_bytes", "12000\n");
        write("memory/jcri/c1/memory.limit_in_bytes", "65536\n");
        write("memory/jcri/c1/memory.soft_limit_in_bytes", "9223372036854771712\n");
        write("memory/jcri/c1/memory.memsw.limit_in_bytes", "131072\n");
        write("memory/jcri/c1/memory.failcnt", "3\n");
        write("memory/jcri/c1/memory.kmem.usage_in_bytes", "800\n");
        write("memory/jcri/c1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
        write("memory/jcri/c1/memory.stat", "cache 1\ntotal_cache 5000\ntotal_rss 4000\ntotal_mapped_file 600\n"
                + "total_active_file 2000\ntotal_inactive_file 3000\ntotal_pgfault 77\ntotal_pgmajfault 2\n");
        write("memory/jcri/c1/cgroup.procs", "10\n11\n");
        write("memory/jcri/c1/tasks", "10\n11\n12\n");
        write("pids/jcri/c1/pids.current", "3\n");
        write("pids/jcri/c1/pids.max", "max\n");
        write("blkio/jcri/c1/blkio.throttle.io_service_bytes_recursive", "8:0 Read 4096\n8:0 Write 8192\n"
                + "8:0 Sync 8192\n8:0 Async 4096\n8:0 Discard 0\n8:0 Total 12288\nTotal 12288\n");
        write("blkio/jcri/c1/blkio.throttle.io_serviced_recursive", "8:0 Read 1\n8:0 Write 2\n8:0 Sync 2\n"
                + "8:0 Async 1\n8:0 Discard 0\n8:0 Total 3\nTotal 3\n");
        CgroupDetailReader reader = new CgroupDetailReader(new CgroupStats(new CgroupLayout(false,
                List.of(hierarchy("cpu"), hierarchy("cpuacct"), hierarchy("memory"), hierarchy("pids"),
                        hierarchy("blkio")))));

        CgroupDetail d = reader.read("/jcri/c1").orElseThrow();

        assertCpuMemoryAndProcessesAsWritten(d);
        assertThat(List.of(d.processes(), d.threads(), d.threadsMax())).containsExactly(2L, 3L, 0L);
        assertThat(List.of(d.cpuPeriodMicros(), d.cpuShares(), d.memoryReservation(), d.memorySwapLimit()))
                .containsExactly(100000L, 512L, 0L, 131072L);
        assertThat(d.devices()).containsExactly(new CgroupDetail.BlockDevice(8, 0,
                Map.of("read", 4096L, "write", 8192L, "sync", 8192L, "async", 4096L, "discard", 0L, "total", 12288L),
                Map.of("read", 1L, "write", 2L, "sync", 2L, "async", 1L, "discard", 0L, "total", 3L)));
    }

    @Test
    void readsV2CountersLimitsAndDevicesFromOneDirectory() throws IOException {
        write("jcri/c1/cpu.stat", "usage_usec 5000000\nuser_usec 3000000\nsystem_usec 2000000\nnr_periods 40\n"
                + "nr_throttled 7\nthrottled_usec 1500000\n");
        write("jcri/c1/cpu.max", "50000 100000\n");
        write("jcri/c1/cpu.weight", "20\n");
        write("jcri/c1/memory.current", "10000\n");
        write("jcri/c1/memory.peak", "12000\n");
        write("jcri/c1/memory.max", "65536\n");
        write("jcri/c1/memory.low", "4096\n");
        write("jcri/c1/memory.swap.max", "65536\n");
        write("jcri/c1/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\noom_group_kill 0\n");
        write("jcri/c1/memory.stat", "anon 4000\nfile 5000\nkernel 800\nfile_mapped 600\nactive_file 2000\n"
                + "inactive_file 3000\npgfault 77\npgmajfault 2\n");
        write("jcri/c1/cgroup.procs", "10\n11\n");
        write("jcri/c1/pids.current", "3\n");
        write("jcri/c1/pids.max", "1024\n");
        write("jcri/c1/io.stat", "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n");
        CgroupDetailReader reader = new CgroupDetailReader(new CgroupStats(new CgroupLayout(true,
                List.of(new CgroupLayout.Hierarchy(root.toString(), Set.of())))));

        CgroupDetail d = reader.read("jcri/c1").orElseThrow();

        assertCpuMemoryAndProcessesAsWritten(d);
        assertThat(List.of(d.processes(), d.threads(), d.threadsMax())).containsExactly(2L, 3L, 1024L);
        // runc makes weight 20 of 512 shares (1 + 510 * 9999 / 262142); 501 is the least that gives 20.
        assertThat(List.of(d.cpuPeriodMicros(), d.cpuShares(), d.memoryReservation(), d.memorySwapLimit()))
                .containsExactly(100000L, 501L, 4096L, 131072L);
        assertThat(d.devices()).containsExactly(new CgroupDetail.BlockDevice(8, 0,
                Map.of("read", 4096L, "write", 8192L, "discard", 0L), Map.of("read", 1L, "write", 2L, "discard", 0L)));
    }

    @Test
    void aV2CgroupWithoutOptionalFilesReadsZerosAndNoLimits() throws IOException {
        write("jcri/c1/cpu.stat", "usage_usec 1\n");
        write("jcri/c1/cpu.max", "max 100000\n");
        write("jcri/c1/memory.max", "max\n");
        write("jcri/c1/memory.swap.max", "max\n");
        write("jcri/c1/cgroup.procs", "");
        write("jcri/c1/cgroup.threads", "");
        CgroupDetailReader reader = new CgroupDetailReader(new CgroupStats(new CgroupLayout(true,
                List.of(new CgroupLayout.Hierarchy(root.toString(), Set.of())))));

        CgroupDetail d = reader.read("jcri/c1").orElseThrow();

        assertThat(List.of(d.memoryMaxUsage(), d.threads(), d.threadsMax(), d.cpuShares(), d.memorySwapLimit()))
                .containsOnly(0L);
        assertThat(d.cpuPeriodMicros()).isEqualTo(100000);
        assertThat(d.devices()).isEmpty();
        assertThat(reader.read("jcri/gone")).isEmpty();
    }

    /** Both trees hold the same CPU, memory and process figures, each in its version's files. */
    private static void assertCpuMemoryAndProcessesAsWritten(CgroupDetail d) {
        assertThat(d.sample()).isEqualTo(new CgroupStats.Sample(5_000_000_000L, 10000, 7000, 4000, 65536, 77, 2, 0,
                3, Pressure.NONE));
        assertThat(List.of(d.cpuUserNanos(), d.cpuSystemNanos(), d.cfsPeriods(), d.cfsThrottled(),
                d.cfsThrottledNanos())).containsExactly(3_000_000_000L, 2_000_000_000L, 40L, 7L, 1_500_000_000L);
        assertThat(List.of(d.memoryMaxUsage(), d.cache(), d.kernel(), d.mappedFile(), d.activeFile(),
                d.inactiveFile(), d.failcnt(), d.oomKills())).containsExactly(12000L, 5000L, 800L, 600L, 2000L,
                3000L, 3L, 2L);
        assertThat(d.processIds()).containsExactly(10, 11);
    }

    private CgroupLayout.Hierarchy hierarchy(String controller) {
        return new CgroupLayout.Hierarchy(root.resolve(controller).toString(), Set.of(controller));
    }

    private void write(String relative, String content) throws IOException {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }
}
