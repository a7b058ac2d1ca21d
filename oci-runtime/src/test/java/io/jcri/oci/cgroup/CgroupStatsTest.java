package io.jcri.oci.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupStatsTest {
    @TempDir
    Path root;

    @Test
    void readsV1CountersFromSeparateHierarchies() throws IOException {
        write("cpuacct/jcri/c1/cpuacct.usage", "123456789\n");
        write("memory/jcri/c1/memory.usage_in_bytes", "10000\n");
        write("memory/jcri/c1/memory.limit_in_bytes", "9223372036854771712\n");
        write("memory/jcri/c1/memory.stat", "cache 5\nrss 1\ntotal_rss 4000\ntotal_inactive_file 3000\n"
                + "total_pgfault 77\ntotal_pgmajfault 2\ntotal_swap 0\n");
        write("pids/jcri/c1/pids.current", "3\n");
        CgroupStats stats = new CgroupStats(new CgroupLayout(false, List.of(
                new CgroupLayout.Hierarchy(root.resolve("cpu").toString(), Set.of("cpu")),
                new CgroupLayout.Hierarchy(root.resolve("cpuacct").toString(), Set.of("cpuacct")),
                new CgroupLayout.Hierarchy(root.resolve("memory").toString(), Set.of("memory")),
                new CgroupLayout.Hierarchy(root.resolve("pids").toString(), Set.of("pids")))));

        CgroupStats.Sample s = stats.read("/jcri/c1").orElseThrow();

        assertThat(s).isEqualTo(new CgroupStats.Sample(123456789, 10000, 7000, 4000, 0, 77, 2, 0, 3, Pressure.NONE));
    }

    @Test
    void readsV2CountersAndLimit() throws IOException {
        write("jcri/c1/cpu.stat", "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n");
        write("jcri/c1/memory.current", "8192\n");
        write("jcri/c1/memory.max", "65536\n");
        write("jcri/c1/memory.stat", "anon 4096\ninactive_file 1024\npgfault 9\npgmajfault 1\n");
        write("jcri/c1/cgroup.procs", "10\n11\n");
        CgroupStats stats = new CgroupStats(new CgroupLayout(true,
                List.of(new CgroupLayout.Hierarchy(root.toString(), Set.of()))));

        CgroupStats.Sample s = stats.read("jcri/c1").orElseThrow();

        assertThat(s).isEqualTo(new CgroupStats.Sample(2_500_000, 8192, 7168, 4096, 65536, 9, 1, 0, 2, Pressure.NONE));
    }

    @Test
    void readsPressureFromTheV2TreeBesideV1Hierarchies() throws IOException {
        write("memory/jcri/c1/memory.usage_in_bytes", "10000\n");
        write("memory/jcri/c1/memory.limit_in_bytes", "9223372036854771712\n");
        write("memory/jcri/c1/memory.stat", "total_rss 4000\n");
        write("unified/jcri/c1/cpu.pressure", "some avg10=1.50 avg60=0.25 avg300=0.05 total=12345\n"
                + "full avg10=0.00 avg60=0.00 avg300=0.00 total=6\n");
        write("unified/jcri/c1/memory.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
                + "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
        CgroupStats stats = new CgroupStats(new CgroupLayout(false, List.of(
                new CgroupLayout.Hierarchy(root.resolve("memory").toString(), Set.of("memory")),
                new CgroupLayout.Hierarchy(root.resolve("unified").toString(), Set.of()))));

        Pressure p = stats.read("/jcri/c1").orElseThrow().pressure();

        assertThat(p.cpu()).contains(new Pressure.Stall(new Pressure.Window(1.5, 0.25, 0.05, 12345),
                new Pressure.Window(0, 0, 0, 6)));
        assertThat(p.memory()).isPresent();
        assertThat(p.io()).as("no io.pressure file").isEmpty();
    }

    @Test
    void missingCgroupReadsAsEmpty() {
        CgroupStats stats = new CgroupStats(new CgroupLayout(false,
                List.of(new CgroupLayout.Hierarchy(root.resolve("memory").toString(), Set.of("memory")))));

        assertThat(stats.read("/jcri/gone")).isEmpty();
    }

    @Test
    void keyedSkipsMultiValueLines() {
        assertThat(CgroupStats.keyed("a 1\nsome avg10=0.00 total=5\nb 22\n")).containsOnlyKeys("a", "b");
    }

    private void write(String relative, String content) throws IOException {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }
}
