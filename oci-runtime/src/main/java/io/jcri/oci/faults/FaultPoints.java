package io.jcri.oci.faults;

import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named steps inside multi-step operations where a test can make the daemon die at once, as {@code kill -9} would,
 * or stall for a while, to prove that recovery and retries hold up. Armed only by the {@code JCRI_FAULT} environment
 * variable (or the {@code jcri.fault} system property) of the daemon process, which tests set: a comma-separated
 * list of {@code <point>} (halt with status 137) or {@code <point>:sleep=<millis>} (stall that long). Unarmed, a hit
 * is one map lookup in an empty map.
 *
 * <p>It lives in oci-runtime because the steps are in runtime-service and image-service, which both depend on it.
 */
public final class FaultPoints {
    private static final Logger LOG = LoggerFactory.getLogger(FaultPoints.class);
    private static final Map<String, Long> ARMED = parse(System.getProperty("jcri.fault",
            System.getenv().getOrDefault("JCRI_FAULT", "")));

    private FaultPoints() {
    }

    /** Halts the JVM (or sleeps) if {@code point} is armed; returns at once otherwise. */
    public static void hit(String point) {
        Long sleepMillis = ARMED.get(point);
        if (sleepMillis == null) {
            return;
        }
        if (sleepMillis > 0) {
            LOG.warn("fault point {}: sleeping {} ms", point, sleepMillis);
            try {
                Thread.sleep(sleepMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        // Straight to stderr and halt: no shutdown hooks, no flushing of anything else, as a SIGKILL would be.
        System.err.println("fault point " + point + ": halting");
        System.err.flush();
        Runtime.getRuntime().halt(137);
    }

    /** {@code a,b:sleep=300} as point → sleep millis (0 meaning halt). */
    static Map<String, Long> parse(String spec) {
        return Stream.of(spec.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableMap(s -> s.split(":", 2)[0], FaultPoints::sleepOf, (a, b) -> b));
    }

    private static long sleepOf(String entry) {
        int at = entry.indexOf(":sleep=");
        return at < 0 ? 0 : Long.parseLong(entry.substring(at + ":sleep=".length()));
    }
}
