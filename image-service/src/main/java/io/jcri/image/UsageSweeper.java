package io.jcri.image;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the sweeps that correct kept disk usage ({@link KeptUsage#sweep}) on one low-priority daemon thread, each
 * first at once and then at its own period; a sweep pauses between two entries, so the walking is spread out and
 * never competes with calls for long.
 */
public final class UsageSweeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UsageSweeper.class);

    /** One sweep, pausing {@code pause} between two entries. */
    public interface Sweep {
        void run(Duration pause) throws InterruptedException;
    }

    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("usage-sweeper").daemon().priority(Thread.MIN_PRIORITY).factory());
    private final Duration pause;

    /** @param pause how long a sweep waits between two entries */
    public UsageSweeper(Duration pause) {
        this.pause = pause;
    }

    /** Runs {@code sweep} now and then every {@code period} after the previous run ended. */
    public void every(Duration period, String what, Sweep sweep) {
        thread.scheduleWithFixedDelay(() -> {
            try {
                sweep.run(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.warn("measuring {}: {}", what, e.toString());
            }
        }, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
