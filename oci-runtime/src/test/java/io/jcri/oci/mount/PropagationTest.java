package io.jcri.oci.mount;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class PropagationTest {
    private static final List<String> MOUNTINFO = List.of(
            "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw",
            "40 27 0:40 / /mnt/shared rw,relatime shared:7 - tmpfs t rw",
            "41 27 0:41 / /mnt/slave rw,relatime master:7 - tmpfs t rw",
            "42 40 0:42 / /mnt/shared/private\\040dir rw,relatime - tmpfs t rw");

    @Test
    void aPrivateHostMountIsRefusedNamedAndLeftAsItIs() {
        Propagation.MountInfo root = Propagation.mountOf("/var/data", MOUNTINFO);
        assertThat(Propagation.refusal(Path.of("/var/data"), root, false)).hasValueSatisfying(why -> assertThat(why)
                .contains("/var/data is on host mount /, which is private").contains("HostToContainer"));
        Propagation.MountInfo inner = Propagation.mountOf("/mnt/shared/private dir/x", MOUNTINFO);
        assertThat(inner.mountPoint()).isEqualTo("/mnt/shared/private dir");
        assertThat(Propagation.refusal(Path.of("/x"), inner, true)).isPresent();
    }

    @Test
    void hostToContainerTakesSharedOrSlaveAndBidirectionalOnlyShared() {
        Propagation.MountInfo shared = Propagation.mountOf("/mnt/shared/a", MOUNTINFO);
        Propagation.MountInfo slave = Propagation.mountOf("/mnt/slave/a", MOUNTINFO);
        assertThat(Propagation.refusal(Path.of("/mnt/shared/a"), shared, false)).isEmpty();
        assertThat(Propagation.refusal(Path.of("/mnt/shared/a"), shared, true)).isEmpty();
        assertThat(Propagation.refusal(Path.of("/mnt/slave/a"), slave, false)).isEmpty();
        assertThat(Propagation.refusal(Path.of("/mnt/slave/a"), slave, true)).hasValueSatisfying(why ->
                assertThat(why).contains("is not shared"));
    }
}
