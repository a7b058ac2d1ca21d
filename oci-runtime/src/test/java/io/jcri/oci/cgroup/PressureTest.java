package io.jcri.oci.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PressureTest {
    @Test
    void parsesSomeAndFull() {
        assertThat(Pressure.parse("some avg10=12.34 avg60=5.00 avg300=0.01 total=987654321\n"
                + "full avg10=0.50 avg60=0.10 avg300=0.00 total=42\n"))
                .contains(new Pressure.Stall(new Pressure.Window(12.34, 5.0, 0.01, 987654321),
                        new Pressure.Window(0.5, 0.1, 0, 42)));
    }

    @Test
    void aMissingFullLineReadsAsZero() {
        assertThat(Pressure.parse("some avg10=0.10 avg60=0.00 avg300=0.00 total=7\n"))
                .contains(new Pressure.Stall(new Pressure.Window(0.1, 0, 0, 7), Pressure.Window.ZERO));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\n", "some avg10=x avg60=0.00 avg300=0.00 total=7",
            "some avg60=0.00 avg10=0.00 avg300=0.00 total=7", "some avg10=0.00 avg60=0.00 avg300=0.00",
            "other avg10=0.00 avg60=0.00 avg300=0.00 total=7"})
    void nothingUsableReadsAsEmpty(String text) {
        assertThat(Pressure.parse(text)).isEmpty();
    }
}
