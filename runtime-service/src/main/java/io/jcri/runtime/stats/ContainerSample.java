package io.jcri.runtime.stats;

import io.jcri.cri.v1.Container;
import io.jcri.image.DiskUsage;
import io.jcri.oci.cgroup.CgroupStats;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What was read about one container at one moment.
 *
 * @param container the container as ListContainers shows it (attributes, image)
 * @param cgroup    its cgroup counters; empty when it has no cgroup (not started, or exited)
 * @param nanoCores CPU use since the previous reading; empty for the first
 * @param layer     its writable layer's usage
 * @param timestamp epoch nanoseconds of the reading
 */
record ContainerSample(Container container, Optional<CgroupStats.Sample> cgroup, OptionalLong nanoCores,
                       DiskUsage layer, long timestamp) {
}
