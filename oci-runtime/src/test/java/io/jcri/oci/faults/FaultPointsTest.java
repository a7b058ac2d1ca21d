package io.jcri.oci.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FaultPointsTest {
    @Test
    void parsesHaltsAndSleeps() {
        assertThat(FaultPoints.parse(" sandbox.after-netns, container.after-rootfs:sleep=3000,"))
                .isEqualTo(Map.of("sandbox.after-netns", 0L, "container.after-rootfs", 3000L));
    }

    @Test
    void unarmedIsEmptyAndAHitReturns() {
        assertThat(FaultPoints.parse("")).isEmpty();
        FaultPoints.hit("sandbox.after-netns");
    }
}
