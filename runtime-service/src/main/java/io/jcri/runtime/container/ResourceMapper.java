package io.jcri.runtime.container;

import io.jcri.cri.CriException;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.oci.spec.OciSpec;
import java.util.List;
import java.util.Map;

/** CRI container resources to their runtime-spec form, used at create and by UpdateContainerResources. */
public final class ResourceMapper {
    private ResourceMapper() {
    }

    /**
     * The limits of {@code r}; fields left at zero stay unset (no limit). Hugepage limits are dropped where the
     * host has no usable hugetlb controller ({@code hugetlb} false), as containerd and CRI-O do: kubelet sends
     * one for every page size the kernel offers, and runc fails a container whose limits it cannot set.
     */
    public static OciSpec.Resources toOci(LinuxContainerResources r, boolean cgroupV2, boolean hugetlb) {
        OciSpec.Memory memory = null;
        if (r.getMemoryLimitInBytes() > 0 || r.getMemorySwapLimitInBytes() > 0) {
            Long limit = r.getMemoryLimitInBytes() > 0 ? r.getMemoryLimitInBytes() : null;
            Long swap = r.getMemorySwapLimitInBytes() > 0 ? r.getMemorySwapLimitInBytes() : limit;
            memory = new OciSpec.Memory(limit, null, swap, null, null);
        }
        OciSpec.Cpu cpu = null;
        if (r.getCpuShares() > 0 || r.getCpuQuota() != 0 || r.getCpuPeriod() > 0 || !r.getCpusetCpus().isEmpty()
                || !r.getCpusetMems().isEmpty()) {
            cpu = new OciSpec.Cpu(r.getCpuShares() > 0 ? r.getCpuShares() : null,
                    r.getCpuQuota() != 0 ? r.getCpuQuota() : null,
                    r.getCpuPeriod() > 0 ? r.getCpuPeriod() : null,
                    r.getCpusetCpus().isEmpty() ? null : r.getCpusetCpus(),
                    r.getCpusetMems().isEmpty() ? null : r.getCpusetMems());
        }
        List<OciSpec.HugepageLimit> huge = !hugetlb ? List.of() : r.getHugepageLimitsList().stream()
                .map(h -> new OciSpec.HugepageLimit(h.getPageSize(), h.getLimit())).toList();
        Map<String, String> unified = r.getUnifiedMap();
        if (!unified.isEmpty() && !cgroupV2) {
            throw CriException.invalid("unified cgroup settings " + unified.keySet()
                    + " need cgroup v2; this host uses cgroup v1");
        }
        return new OciSpec.Resources(null, memory, cpu, null, huge.isEmpty() ? null : huge,
                unified.isEmpty() ? null : unified);
    }
}
