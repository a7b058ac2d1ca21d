package io.jcri.runtime.stats;

import io.jcri.oci.cgroup.CgroupStats;
import io.jcri.runtime.sandbox.SandboxRecord;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What was read about one pod at one moment.
 *
 * @param sandbox    the pod's record
 * @param cgroup     the pod cgroup's counters; empty when it has none (stopped)
 * @param nanoCores  CPU use since the previous reading; empty for the first
 * @param interfaces the pod network namespace's interfaces; empty with host networking or a stopped pod
 * @param containers the pod's containers
 * @param timestamp  epoch nanoseconds of the reading
 */
record PodSample(SandboxRecord sandbox, Optional<CgroupStats.Sample> cgroup, OptionalLong nanoCores,
                 List<NetDev.Interface> interfaces, List<ContainerSample> containers, long timestamp) {
    PodSample {
        interfaces = List.copyOf(interfaces);
        containers = List.copyOf(containers);
    }
}
