package io.jcri.runtime.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.IDMapping;
import io.jcri.cri.v1.LinuxPodSandboxConfig;
import io.jcri.cri.v1.LinuxSandboxSecurityContext;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.NamespaceOption;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.UserNamespace;
import io.jcri.oci.spec.OciSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class PodUserNamespaceTest {
    private static final IDMapping MAP = IDMapping.newBuilder().setContainerId(0).setHostId(1000).setLength(100000)
            .build();

    private static PodSandboxConfig pod(UserNamespace.Builder userns) {
        return PodSandboxConfig.newBuilder().setLinux(LinuxPodSandboxConfig.newBuilder().setSecurityContext(
                LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                        NamespaceOption.newBuilder().setUsernsOptions(userns)))).build();
    }

    @Test
    void podModeWithOneMappingOfRootIsOwnAndMapsToTheRuntimeSpec() {
        PodSandboxConfig pod = pod(UserNamespace.newBuilder().setMode(NamespaceMode.POD).addUids(MAP).addGids(MAP));
        PodUserNamespace.check(pod);
        assertThat(PodUserNamespace.own(pod)).isTrue();
        assertThat(PodUserNamespace.uidMappings(pod)).containsExactly(new OciSpec.IdMapping(0, 1000, 100000));
        assertThat(PodUserNamespace.gidMappings(pod)).containsExactly(new OciSpec.IdMapping(0, 1000, 100000));
    }

    @Test
    void withoutOptionsOrInNodeModeThePodKeepsTheHostUserNamespace() {
        PodSandboxConfig none = PodSandboxConfig.getDefaultInstance();
        PodUserNamespace.check(none);
        assertThat(PodUserNamespace.own(none)).isFalse();
        PodSandboxConfig node = pod(UserNamespace.newBuilder().setMode(NamespaceMode.NODE));
        PodUserNamespace.check(node);
        assertThat(PodUserNamespace.own(node)).isFalse();
        assertThat(PodUserNamespace.uidMappings(node)).isEmpty();
    }

    @Test
    void modesAndMappingsCritestExpectsRefusedAreInvalidArguments() {
        IDMapping second = MAP.toBuilder().setHostId(2000).build();
        IDMapping notRoot = MAP.toBuilder().setContainerId(1).build();
        List<UserNamespace.Builder> bad = List.of(
                UserNamespace.newBuilder().setMode(NamespaceMode.POD).addUids(MAP).addUids(second).addGids(MAP),
                UserNamespace.newBuilder().setMode(NamespaceMode.POD).addUids(notRoot).addGids(notRoot),
                UserNamespace.newBuilder().setMode(NamespaceMode.POD),
                UserNamespace.newBuilder().setMode(NamespaceMode.POD).addUids(MAP).addGids(MAP.toBuilder().setLength(0)),
                UserNamespace.newBuilder().setMode(NamespaceMode.NODE).addUids(MAP),
                UserNamespace.newBuilder().setMode(NamespaceMode.CONTAINER),
                UserNamespace.newBuilder().setMode(NamespaceMode.TARGET));
        for (UserNamespace.Builder b : bad) {
            assertThatThrownBy(() -> PodUserNamespace.check(pod(b))).as(b.build().toString())
                    .isInstanceOfSatisfying(CriException.class,
                            e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
        }
    }
}
