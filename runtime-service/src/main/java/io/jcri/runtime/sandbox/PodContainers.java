package io.jcri.runtime.sandbox;

import io.jcri.cri.v1.ContainerStatus;
import java.util.List;

/**
 * The containers of a pod, as the sandbox service needs them when the pod stops or goes away and for the
 * statuses PodSandboxStatus carries (kubelet's evented PLEG reads them there). The container
 * service implements it and is given to {@link SandboxService#recover} once its own containers are recovered.
 */
public interface PodContainers {
    /**
     * Kills every container of the sandbox at once, without a grace period (kubelet stops each container with its
     * own before it stops the pod, and containerd's StopPodSandbox kills the rest the same way); stopped ones are
     * fine.
     */
    void stopAll(String sandboxId);

    /** Removes every container of the sandbox, stopping any still running. */
    void removeAll(String sandboxId);

    /** The statuses (not verbose) of the sandbox's containers that exist when asked. */
    List<ContainerStatus> statuses(String sandboxId);
}
