package io.jcri.server.status;

import io.jcri.cri.v1.CgroupDriver;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What kubelet tells the runtime about the node (UpdateRuntimeConfig's pod CIDR) and what it asks back
 * (RuntimeConfig's cgroup driver). The pod CIDR is kept in memory: kubelet sends it again after a restart.
 */
public final class NodeRuntimeConfig {
    private final CgroupDriver cgroupDriver;
    private final AtomicReference<String> podCidr = new AtomicReference<>("");

    public NodeRuntimeConfig(String cgroupDriverName) {
        this.cgroupDriver = "systemd".equals(cgroupDriverName) ? CgroupDriver.SYSTEMD : CgroupDriver.CGROUPFS;
    }

    public CgroupDriver cgroupDriver() {
        return cgroupDriver;
    }

    public String podCidr() {
        return podCidr.get();
    }

    /** Records the pod CIDR; an empty value leaves the previous one, as kubelet sends only changes. */
    public void updatePodCidr(String cidr) {
        if (!cidr.isEmpty()) {
            podCidr.set(cidr);
        }
    }
}
