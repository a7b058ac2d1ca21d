package io.jcri.oci.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CgroupNamingTest {
    private static final String HYBRID = """
            30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
            33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children
            39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
            40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            """;
    private static final String UNIFIED = "30 22 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";

    @Test
    void parsesV1HierarchiesAndTheHybridUnifiedTreeWhereRuncAlsoMakesCgroups() {
        CgroupLayout l = CgroupLayout.parse(HYBRID, "/sys/fs/cgroup");
        assertThat(l.unified()).isFalse();
        assertThat(l.hierarchies()).extracting(CgroupLayout.Hierarchy::mountPoint).containsExactly(
                "/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpuacct", "/sys/fs/cgroup/cpuset", "/sys/fs/cgroup/systemd",
                "/sys/fs/cgroup/unified");
        assertThat(l.hierarchies().get(2).controllers()).containsExactly("cpuset");
        assertThat(l.hierarchies().get(3).controllers()).containsExactly("name=systemd");
        assertThat(l.v2Tree()).map(CgroupLayout.Hierarchy::mountPoint).contains("/sys/fs/cgroup/unified");
    }

    @Test
    void parsesAUnifiedHost() {
        CgroupLayout l = CgroupLayout.parse(UNIFIED, "/sys/fs/cgroup");
        assertThat(l.unified()).isTrue();
        assertThat(l.hierarchies()).hasSize(1);
        assertThat(l.v2Tree()).map(CgroupLayout.Hierarchy::mountPoint).contains("/sys/fs/cgroup");
    }

    @Test
    void systemdSlicesExpandLikeSystemd() {
        assertThat(SystemdSlices.expand("jcri.slice")).isEqualTo("/jcri.slice");
        assertThat(SystemdSlices.expand("kubepods-burstable-pod1.slice"))
                .isEqualTo("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice");
        assertThat(SystemdSlices.expand("-.slice")).isEqualTo("/");
        assertThat(SystemdSlices.child("jcri.slice", "pod-a")).isEqualTo("jcri-pod_a.slice");
        assertThatThrownBy(() -> SystemdSlices.expand("a--b.slice")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SystemdSlices.expand("jcri")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void podCgroupFollowsTheDriver() {
        CgroupLayout l = new CgroupLayout(false, List.of());
        assertThat(new CgroupManager(l, CgroupDriver.CGROUPFS).podCgroup("/jcri", "abc")).isEqualTo("/jcri/pod-abc");
        assertThat(new CgroupManager(l, CgroupDriver.SYSTEMD).podCgroup("jcri.slice", "abc"))
                .isEqualTo("/jcri.slice/jcri-podabc.slice");
        assertThat(new CgroupManager(l, CgroupDriver.SYSTEMD).podCgroup("/jcri", "abc"))
                .isEqualTo("/jcri.slice/jcri-podabc.slice");
        assertThatThrownBy(() -> new CgroupManager(l, CgroupDriver.SYSTEMD).podCgroup("/a/b", "abc"))
                .hasMessageContaining("slice");
        assertThatThrownBy(() -> new CgroupManager(l, CgroupDriver.CGROUPFS).podCgroup("jcri.slice", "abc"))
                .hasMessageContaining("cgroupfs");
    }

    @Test
    void aParentTheDriverCannotUseIsAProblemToReportBeforeAnyPodCgroupIsNamed() {
        CgroupLayout l = new CgroupLayout(false, List.of());
        CgroupManager systemd = new CgroupManager(l, CgroupDriver.SYSTEMD);
        CgroupManager cgroupfs = new CgroupManager(l, CgroupDriver.CGROUPFS);
        assertThat(systemd.parentProblem("jcri.slice")).isEmpty();
        assertThat(systemd.parentProblem("/jcri")).isEmpty();
        assertThat(systemd.parentProblem("a--b.slice")).get().asString().contains("slice name");
        assertThat(systemd.parentProblem("/a/b")).isPresent();
        assertThat(cgroupfs.parentProblem("/kubepods/burstable")).isEmpty();
        assertThat(cgroupfs.parentProblem("kubepods.slice")).get().asString().contains("cgroupfs");
    }

    @Test
    void overheadAddsToLimitsButNeverLimitsTheUnlimited() {
        CgroupResources pod = new CgroupResources(1024, 50_000, 100_000, 100, "", "");
        CgroupResources overhead = new CgroupResources(2, 10_000, 0, 10, "", "");
        assertThat(pod.plus(overhead)).isEqualTo(new CgroupResources(1026, 60_000, 100_000, 110, "", ""));
        assertThat(CgroupResources.NONE.plus(overhead)).isEqualTo(CgroupResources.NONE.plus(CgroupResources.NONE)
                .plus(new CgroupResources(0, 0, 0, 0, "", "")));
    }
}
