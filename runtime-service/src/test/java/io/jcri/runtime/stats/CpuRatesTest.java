package io.jcri.runtime.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CpuRatesTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void firstReadingHasNoRateThenRateIsCpuTimeOverWallTime() {
        CpuRates rates = new CpuRates(Duration.ofSeconds(1));

        assertThat(rates.nanoCores("c", 0, 10 * SECOND)).isEmpty();
        // 1.5 s of CPU in 2 s of wall time: 0.75 cores.
        assertThat(rates.nanoCores("c", 3 * SECOND / 2, 12 * SECOND)).hasValue(750_000_000L);
    }

    @Test
    void readingsCloserThanTheWindowAreMeasuredAgainstTheOlderOne() {
        CpuRates rates = new CpuRates(Duration.ofSeconds(1));
        rates.nanoCores("c", 0, 0);
        rates.nanoCores("c", 2 * SECOND, 2 * SECOND);

        // 10 ms later: still against the reading at 2 s, not a 10 ms window.
        assertThat(rates.nanoCores("c", 2 * SECOND + 5_000_000, 2 * SECOND + 10_000_000)).hasValue(500_000_000L);
    }

    @Test
    void counterGoingBackwardsStartsOver() {
        CpuRates rates = new CpuRates(Duration.ofSeconds(1));
        rates.nanoCores("c", 5 * SECOND, 0);

        assertThat(rates.nanoCores("c", SECOND, 2 * SECOND)).isEmpty();
        assertThat(rates.nanoCores("c", 2 * SECOND, 4 * SECOND)).hasValue(500_000_000L);
    }

    @Test
    void retainForgetsOtherKeys() {
        CpuRates rates = new CpuRates(Duration.ofSeconds(1));
        rates.nanoCores("a", 0, 0);
        rates.nanoCores("b", 0, 0);

        rates.retain(Set.of("a"));

        assertThat(rates.nanoCores("a", SECOND, 2 * SECOND)).hasValue(500_000_000L);
        assertThat(rates.nanoCores("b", SECOND, 2 * SECOND)).isEmpty();
    }
}
