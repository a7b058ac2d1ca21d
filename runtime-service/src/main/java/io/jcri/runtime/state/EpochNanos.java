package io.jcri.runtime.state;

import java.time.Clock;
import java.time.Instant;

/** Nanoseconds since the epoch, the unit of every CRI timestamp and of the times in jcri's records. */
public final class EpochNanos {
    private EpochNanos() {
    }

    /** Now, by {@code clock}. */
    public static long now(Clock clock) {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
