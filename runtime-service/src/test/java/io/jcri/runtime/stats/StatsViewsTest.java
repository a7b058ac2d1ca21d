package io.jcri.runtime.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.jcri.cri.v1.Container;
import io.jcri.cri.v1.ContainerMetadata;
import io.jcri.cri.v1.ContainerStats;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.PodSandboxStats;
import io.jcri.image.DiskUsage;
import io.jcri.oci.cgroup.CgroupStats;
import io.jcri.oci.cgroup.Pressure;
import io.jcri.runtime.sandbox.SandboxRecord;
import io.jcri.runtime.sandbox.SandboxState;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class StatsViewsTest {
    private static final long T = 1_700_000_000_000_000_000L;
    private static final Container CONTAINER = Container.newBuilder().setId("c1").setPodSandboxId("p1")
            .setMetadata(ContainerMetadata.newBuilder().setName("app").setAttempt(2))
            .setImage(ImageSpec.newBuilder().setImage("busybox")).putLabels("k", "v").putAnnotations("a", "b")
            .build();
    private static final CgroupStats.Sample LIMITED = new CgroupStats.Sample(3_000_000_000L, 10_000, 7_000, 4_000,
            20_000, 77, 2, 0, 3, Pressure.NONE);
    private static final DiskUsage LAYER = new DiskUsage(Path.of("/var/lib/jcri/containers/c1/upper"), 4096, 5, T);

    @Test
    void containerStatsCarryAttributesCountersAndLayer() {
        ContainerStats s = StatsViews.container(new ContainerSample(CONTAINER, Optional.of(LIMITED),
                OptionalLong.of(250_000_000), LAYER, T));

        assertThat(s.getAttributes().getId()).isEqualTo("c1");
        assertThat(s.getAttributes().getMetadata().getAttempt()).isEqualTo(2);
        assertThat(s.getAttributes().getLabelsMap()).containsEntry("k", "v");
        assertThat(s.getCpu().getTimestamp()).isEqualTo(T);
        assertThat(s.getCpu().getUsageCoreNanoSeconds().getValue()).isEqualTo(3_000_000_000L);
        assertThat(s.getCpu().getUsageNanoCores().getValue()).isEqualTo(250_000_000L);
        assertThat(s.getMemory().getWorkingSetBytes().getValue()).isEqualTo(7_000);
        assertThat(s.getMemory().getAvailableBytes().getValue()).isEqualTo(13_000);
        assertThat(s.getMemory().getPageFaults().getValue()).isEqualTo(77);
        assertThat(s.getMemory().getMajorPageFaults().getValue()).isEqualTo(2);
        assertThat(s.getWritableLayer().getUsedBytes().getValue()).isEqualTo(4096);
        assertThat(s.getWritableLayer().getInodesUsed().getValue()).isEqualTo(5);
    }

    @Test
    void containerWithoutCgroupHasOnlyAttributesAndLayer() {
        ContainerStats s = StatsViews.container(new ContainerSample(CONTAINER, Optional.empty(),
                OptionalLong.empty(), LAYER, T));

        assertThat(s.hasCpu()).isFalse();
        assertThat(s.hasMemory()).isFalse();
        assertThat(s.hasWritableLayer()).isTrue();
    }

    @Test
    void unlimitedMemoryHasNoAvailableBytesAndFirstReadingNoRate() {
        CgroupStats.Sample unlimited = new CgroupStats.Sample(1, 10, 5, 1, 0, 0, 0, 0, 1, Pressure.NONE);
        ContainerStats s = StatsViews.container(new ContainerSample(CONTAINER, Optional.of(unlimited),
                OptionalLong.empty(), LAYER, T));

        assertThat(s.getMemory().hasAvailableBytes()).isFalse();
        assertThat(s.getCpu().hasUsageNanoCores()).isFalse();
    }

    @Test
    void pressureBecomesPsiInNanoseconds() {
        Pressure.Stall cpu = new Pressure.Stall(new Pressure.Window(1.5, 0.5, 0.25, 2_000),
                new Pressure.Window(0.5, 0, 0, 3));
        Pressure.Stall io = new Pressure.Stall(new Pressure.Window(0, 0, 0, 9), new Pressure.Window(0, 0, 0, 0));
        CgroupStats.Sample pressed = new CgroupStats.Sample(1, 10, 5, 1, 0, 0, 0, 0, 1,
                new Pressure(Optional.of(cpu), Optional.empty(), Optional.of(io)));

        ContainerStats s = StatsViews.container(new ContainerSample(CONTAINER, Optional.of(pressed),
                OptionalLong.empty(), LAYER, T));

        assertThat(s.getCpu().getPsi().getSome().getTotal()).isEqualTo(2_000_000);
        assertThat(s.getCpu().getPsi().getSome().getAvg10()).isEqualTo(1.5);
        assertThat(s.getCpu().getPsi().getSome().getAvg300()).isEqualTo(0.25);
        assertThat(s.getCpu().getPsi().getFull().getTotal()).isEqualTo(3_000);
        assertThat(s.getMemory().hasPsi()).as("no memory.pressure").isFalse();
        assertThat(s.getIo().getTimestamp()).isEqualTo(T);
        assertThat(s.getIo().getPsi().getSome().getTotal()).isEqualTo(9_000);
        assertThat(StatsViews.container(new ContainerSample(CONTAINER, Optional.of(LIMITED), OptionalLong.empty(),
                LAYER, T)).hasIo()).as("no pressure read").isFalse();
    }

    @Test
    void podStatsCarryNetworkProcessesAndContainers() {
        PodSandboxStats s = StatsViews.pod(podSample());

        assertThat(s.getAttributes().getMetadata().getNamespace()).isEqualTo("ns");
        assertThat(s.getLinux().getNetwork().getDefaultInterface().getName()).isEqualTo("eth0");
        assertThat(s.getLinux().getNetwork().getDefaultInterface().getRxBytes().getValue()).isEqualTo(1962);
        assertThat(s.getLinux().getNetwork().getInterfacesCount()).isEqualTo(2);
        assertThat(s.getLinux().getProcess().getProcessCount().getValue()).isEqualTo(3);
        assertThat(s.getLinux().getContainersList()).extracting(c -> c.getAttributes().getId())
                .containsExactly("c1");
    }

    private static PodSample podSample() {
        SandboxRecord pod = new SandboxRecord(new SandboxRecord.Meta("p1", "web", "ns", "uid", 0, T, Map.of(),
                Map.of(), new byte[0], "runc", "/run/jcri/netns/p1", null, null, "web", "", "", "", null,
                "/jcri/pod-p1", ""), new SandboxRecord.Status(SandboxState.READY, "10.88.0.2", List.of(), 0, null));
        return new PodSample(pod, Optional.of(LIMITED), OptionalLong.empty(),
                List.of(new NetDev.Interface("eth0", 1962, 0, 0, 0, 1090, 0, 0, 0),
                        new NetDev.Interface("eth1", 1, 0, 0, 0, 1, 0, 0, 0)),
                List.of(new ContainerSample(CONTAINER, Optional.of(LIMITED), OptionalLong.empty(), LAYER, T)), T);
    }
}
