package io.jcri.runtime.container;

import static org.assertj.core.api.Assertions.assertThat;

import io.jcri.oci.spec.OciSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class RootfsIdShiftTest {
    @Test
    void idsInsideTheMappingShiftAndOthersStay() {
        List<OciSpec.IdMapping> m = List.of(new OciSpec.IdMapping(0, 1000, 100));
        assertThat(RootfsIdShift.map(0, m)).isEqualTo(1000);
        assertThat(RootfsIdShift.map(99, m)).isEqualTo(1099);
        assertThat(RootfsIdShift.map(100, m)).isEqualTo(100);
        assertThat(RootfsIdShift.map(65534, m)).isEqualTo(65534);
    }
}
