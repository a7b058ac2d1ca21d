package io.jcri.server.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokenRegistryTest {

    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneId.of("UTC");
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    private final ManualClock clock = new ManualClock();
    private final TokenRegistry<String> tokens = new TokenRegistry<>(clock, Duration.ofMinutes(1));

    @Test
    void aTokenIsTakenOnce() {
        String t = tokens.put("exec");
        assertThat(tokens.take(t)).contains("exec");
        assertThat(tokens.take(t)).isEmpty();
    }

    @Test
    void anUnusedTokenExpiresAfterItsTtl() {
        String early = tokens.put("a");
        String late = tokens.put("b");
        clock.advance(Duration.ofSeconds(59));
        assertThat(tokens.take(early)).contains("a");
        clock.advance(Duration.ofSeconds(2));
        assertThat(tokens.take(late)).isEmpty();
    }

    @Test
    void expiredTokensAreDroppedOnTheNextPut() {
        tokens.put("a");
        clock.advance(Duration.ofMinutes(2));
        tokens.put("b");
        assertThat(tokens.size()).isEqualTo(1);
    }

    @Test
    void tokensAreLongAndDistinct() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String t = tokens.put("x");
            assertThat(t).hasSizeGreaterThanOrEqualTo(32).matches("[A-Za-z0-9_-]+");
            seen.add(t);
        }
        assertThat(seen).hasSize(1000);
    }
}
