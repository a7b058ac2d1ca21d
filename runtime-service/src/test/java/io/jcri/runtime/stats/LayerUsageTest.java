package io.jcri.runtime.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.jcri.image.DiskUsage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerUsageTest {
    @TempDir
    Path upper;

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.ofEpochSecond(1000));
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };

    @Test
    void measurementIsReusedUntilItIsTooOld() throws IOException {
        LayerUsage layers = new LayerUsage(clock, Duration.ofSeconds(10));
        Files.write(upper.resolve("a"), new byte[100]);
        DiskUsage first = layers.of(upper);

        Files.write(upper.resolve("b"), new byte[50]);
        now.set(now.get().plusSeconds(5));
        assertThat(layers.of(upper)).isEqualTo(first);

        now.set(now.get().plusSeconds(6));
        DiskUsage fresh = layers.of(upper);
        assertThat(fresh.usedBytes() - first.usedBytes()).isEqualTo(50);
        assertThat(fresh.inodesUsed()).isEqualTo(first.inodesUsed() + 1);
        assertThat(fresh.timestampNanos()).isEqualTo(1011L * 1_000_000_000L);
    }
}
