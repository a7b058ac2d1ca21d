package io.jcri.runtime.stats;

import io.jcri.cri.v1.ContainerAttributes;
import io.jcri.cri.v1.ContainerStats;
import io.jcri.cri.v1.CpuUsage;
import io.jcri.cri.v1.FilesystemIdentifier;
import io.jcri.cri.v1.FilesystemUsage;
import io.jcri.cri.v1.IoUsage;
import io.jcri.cri.v1.LinuxPodSandboxStats;
import io.jcri.cri.v1.MemoryUsage;
import io.jcri.cri.v1.NetworkInterfaceUsage;
import io.jcri.cri.v1.NetworkUsage;
import io.jcri.cri.v1.PodSandboxAttributes;
import io.jcri.cri.v1.PodSandboxMetadata;
import io.jcri.cri.v1.PodSandboxStats;
import io.jcri.cri.v1.ProcessUsage;
import io.jcri.cri.v1.PsiData;
import io.jcri.cri.v1.PsiStats;
import io.jcri.cri.v1.SwapUsage;
import io.jcri.cri.v1.UInt64Value;
import io.jcri.oci.cgroup.CgroupStats;
import io.jcri.oci.cgroup.Pressure;
import io.jcri.runtime.sandbox.SandboxRecord;
import java.util.OptionalLong;

/** Samples as the CRI stats messages. */
final class StatsViews {
    /** The interface CNI gives a pod; kubelet reports it as the pod's default. */
    static final String DEFAULT_INTERFACE = "eth0";

    private StatsViews() {
    }

    static ContainerStats container(ContainerSample s) {
        var c = s.container();
        ContainerStats.Builder b = ContainerStats.newBuilder().setAttributes(ContainerAttributes.newBuilder()
                .setId(c.getId()).setMetadata(c.getMetadata()).putAllLabels(c.getLabelsMap())
                .putAllAnnotations(c.getAnnotationsMap()));
        s.cgroup().ifPresent(cg -> {
            b.setCpu(cpu(cg, s.nanoCores(), s.timestamp()));
            b.setMemory(memory(cg, s.timestamp()));
            b.setSwap(SwapUsage.newBuilder().setTimestamp(s.timestamp()).setSwapUsageBytes(u64(cg.swapUsage())));
            cg.pressure().io().ifPresent(p -> b.setIo(io(p, s.timestamp())));
        });
        b.setWritableLayer(FilesystemUsage.newBuilder().setTimestamp(s.layer().timestampNanos())
                .setFsId(FilesystemIdentifier.newBuilder().setMountpoint(s.layer().mountpoint().toString()))
                .setUsedBytes(u64(s.layer().usedBytes())).setInodesUsed(u64(s.layer().inodesUsed())));
        return b.build();
    }

    static PodSandboxStats pod(PodSample s) {
        SandboxRecord r = s.sandbox();
        LinuxPodSandboxStats.Builder linux = LinuxPodSandboxStats.newBuilder();
        s.cgroup().ifPresent(cg -> {
            linux.setCpu(cpu(cg, s.nanoCores(), s.timestamp()));
            linux.setMemory(memory(cg, s.timestamp()));
            linux.setProcess(ProcessUsage.newBuilder().setTimestamp(s.timestamp())
                    .setProcessCount(u64(cg.processes())));
            cg.pressure().io().ifPresent(p -> linux.setIo(io(p, s.timestamp())));
        });
        if (!s.interfaces().isEmpty()) {
            NetworkUsage.Builder net = NetworkUsage.newBuilder().setTimestamp(s.timestamp());
            for (NetDev.Interface i : s.interfaces()) {
                NetworkInterfaceUsage u = NetworkInterfaceUsage.newBuilder().setName(i.name())
                        .setRxBytes(u64(i.rxBytes())).setRxErrors(u64(i.rxErrors())).setTxBytes(u64(i.txBytes()))
                        .setTxErrors(u64(i.txErrors())).build();
                net.addInterfaces(u);
                if (i.name().equals(DEFAULT_INTERFACE)) {
                    net.setDefaultInterface(u);
                }
            }
            linux.setNetwork(net);
        }
        s.containers().forEach(c -> linux.addContainers(container(c)));
        return PodSandboxStats.newBuilder().setAttributes(PodSandboxAttributes.newBuilder().setId(r.id())
                .setMetadata(PodSandboxMetadata.newBuilder().setName(r.meta().name()).setNamespace(r.meta().namespace())
                        .setUid(r.meta().uid()).setAttempt(r.meta().attempt()))
                .putAllLabels(r.meta().labels()).putAllAnnotations(r.meta().annotations())).setLinux(linux).build();
    }

    private static CpuUsage cpu(CgroupStats.Sample cg, OptionalLong nanoCores, long timestamp) {
        CpuUsage.Builder b = CpuUsage.newBuilder().setTimestamp(timestamp)
                .setUsageCoreNanoSeconds(u64(cg.cpuUsageNanos()));
        nanoCores.ifPresent(n -> b.setUsageNanoCores(u64(n)));
        cg.pressure().cpu().ifPresent(p -> b.setPsi(psi(p)));
        return b.build();
    }

    private static MemoryUsage memory(CgroupStats.Sample cg, long timestamp) {
        MemoryUsage.Builder b = MemoryUsage.newBuilder().setTimestamp(timestamp)
                .setWorkingSetBytes(u64(cg.workingSet())).setUsageBytes(u64(cg.memoryUsage()))
                .setRssBytes(u64(cg.rss())).setPageFaults(u64(cg.pageFaults()))
                .setMajorPageFaults(u64(cg.majorPageFaults()));
        if (cg.memoryLimit() > 0) {
            b.setAvailableBytes(u64(Math.max(0, cg.memoryLimit() - cg.workingSet())));
        }
        cg.pressure().memory().ifPresent(p -> b.setPsi(psi(p)));
        return b.build();
    }

    private static IoUsage io(Pressure.Stall stall, long timestamp) {
        return IoUsage.newBuilder().setTimestamp(timestamp).setPsi(psi(stall)).build();
    }

    private static PsiStats psi(Pressure.Stall stall) {
        return PsiStats.newBuilder().setSome(psi(stall.some())).setFull(psi(stall.full())).build();
    }

    /** The kernel counts stalled microseconds; CRI's total is nanoseconds. */
    private static PsiData psi(Pressure.Window w) {
        return PsiData.newBuilder().setTotal(w.totalMicros() * 1000).setAvg10(w.avg10()).setAvg60(w.avg60())
                .setAvg300(w.avg300()).build();
    }

    static UInt64Value u64(long v) {
        return UInt64Value.newBuilder().setValue(v).build();
    }
}
