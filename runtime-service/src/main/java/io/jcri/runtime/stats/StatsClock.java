package io.jcri.runtime.stats;

import java.time.Clock;
import java.time.Instant;

/** Epoch nanoseconds from a {@link Clock}, the unit of every CRI timestamp. */
final class StatsClock {
    private StatsClock() {
    }

    static long nanos(Clock clock) {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
