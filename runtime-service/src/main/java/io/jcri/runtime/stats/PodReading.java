package io.jcri.runtime.stats;

import io.jcri.runtime.sandbox.SandboxRecord;
import java.util.List;

/**
 * What one metrics call read about one pod.
 *
 * @param sandbox    the pod's record
 * @param interfaces its network namespace's interfaces; empty with host networking
 * @param containers its containers
 * @param timestamp  epoch nanoseconds of the reading
 */
record PodReading(SandboxRecord sandbox, List<NetDev.Interface> interfaces, List<ContainerReading> containers,
                  long timestamp) {
    PodReading {
        interfaces = List.copyOf(interfaces);
        containers = List.copyOf(containers);
    }
}
