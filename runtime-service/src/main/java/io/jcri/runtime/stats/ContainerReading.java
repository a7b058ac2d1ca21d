package io.jcri.runtime.stats;

import io.jcri.cri.v1.ContainerStatus;
import io.jcri.image.DiskUsage;
import io.jcri.oci.cgroup.CgroupDetail;
import io.jcri.oci.spec.OciSpec;
import java.util.List;
import java.util.Optional;

/**
 * What one metrics call read about one container.
 *
 * @param status    the container as ContainerStatus shows it (name, image, start time)
 * @param cgroup    its cgroup's counters and limits; empty when it has no cgroup (not started, or exited)
 * @param files     the open descriptors of its processes
 * @param rlimits   the rlimits its processes were started with (OCI spec)
 * @param layer     its writable layer's usage
 * @param fs        the filesystem holding the writable layer; empty when it could not be read
 * @param timestamp epoch nanoseconds of the reading
 */
record ContainerReading(ContainerStatus status, Optional<CgroupDetail> cgroup, OpenFiles files,
                        List<OciSpec.Rlimit> rlimits, DiskUsage layer, Optional<LayerFilesystem> fs,
                        long timestamp) {
    ContainerReading {
        rlimits = List.copyOf(rlimits);
    }
}
