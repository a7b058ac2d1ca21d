package io.jcri.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeptUsageTest {
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1000), ZoneOffset.UTC);

    @TempDir
    Path root;

    @Test
    void anEntryIsWalkedWhenReportedAndReadWithoutAWalkAfterwards() throws Exception {
        KeptUsage usage = new KeptUsage(root, "upper", CLOCK);
        Path upper = Files.createDirectories(root.resolve("c1/upper"));
        Files.write(upper.resolve("a"), new byte[100]);
        assertThat(usage.of("c1").usedBytes()).as("never measured: empty").isZero();

        usage.measure("c1");
        DiskUsage measured = usage.of("c1");
        assertThat(measured.mountpoint()).isEqualTo(upper);
        assertThat(measured.inodesUsed()).isEqualTo(2);
        assertThat(measured.timestampNanos()).isEqualTo(1000L * 1_000_000_000L);

        Files.write(upper.resolve("b"), new byte[50]);
        assertThat(usage.of("c1")).as("what nobody reported waits for a sweep").isEqualTo(measured);
        usage.measure("c1");
        assertThat(usage.of("c1").usedBytes() - measured.usedBytes()).isEqualTo(50);
        assertThat(usage.of("c1").inodesUsed()).isEqualTo(3);
    }

    @Test
    void theTotalSumsTheEntriesAndForgetsTheRemovedOnes() throws Exception {
        KeptUsage usage = new KeptUsage(root, "", CLOCK);
        Files.write(root.resolve("blob1"), new byte[300]);
        Files.write(Files.createDirectories(root.resolve("layer1")).resolve("f"), new byte[200]);
        usage.measure("blob1");
        usage.measure("layer1");
        DiskUsage both = usage.total();
        assertThat(both.mountpoint()).isEqualTo(root);
        assertThat(both.inodesUsed()).isEqualTo(3);
        assertThat(both.usedBytes()).isGreaterThanOrEqualTo(500);

        usage.forget("layer1");
        assertThat(usage.total().usedBytes()).isEqualTo(300);
        assertThat(usage.total().inodesUsed()).isEqualTo(1);

        usage.measure("blob1");
        usage.retain(Set.of());
        assertThat(usage.total().inodesUsed()).isZero();
    }

    @Test
    void aSweepMeasuresNewEntriesAndDropsThoseThatAreGone() throws Exception {
        KeptUsage usage = new KeptUsage(root, "upper", CLOCK);
        Files.write(Files.createDirectories(root.resolve("c1/upper")).resolve("f"), new byte[10]);
        Files.write(Files.createDirectories(root.resolve("c2/upper")).resolve("f"), new byte[20]);
        usage.sweep(Duration.ZERO);
        assertThat(usage.of("c1").inodesUsed()).isEqualTo(2);
        assertThat(usage.of("c2").inodesUsed()).isEqualTo(2);

        Files.delete(root.resolve("c1/upper/f"));
        Files.delete(root.resolve("c1/upper"));
        Files.write(root.resolve("c2/upper/g"), new byte[5]);
        usage.sweep(Duration.ZERO);
        assertThat(usage.of("c1").inodesUsed()).isZero();
        assertThat(usage.of("c2").inodesUsed()).isEqualTo(3);
        assertThat(usage.total().inodesUsed()).isEqualTo(3);
    }
}
