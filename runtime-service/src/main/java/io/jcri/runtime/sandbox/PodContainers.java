package io.jcri.runtime.sandbox;

import io.jcri.cri.v1.ContainerStatus;
import java.util.List;

/**
 * The containers of a pod, as the sandbox service needs them when the pod stops or goes away and for the
 * statuses PodSandboxStatus carries (kubelet's evented PLEG reads them there). The container
 * service implements it and registers itself with {@link SandboxService#usePodContainers}.
 */
public interface PodContainers {
    /** A pod without containers: what the sandbox service uses until a container service registers. */
    PodContainers NONE = new PodContainers() {
        @Override
        public void stopAll(String sandboxId) {
            // Nothing can run in a pod while no container service exists to create containers.
        }

        @Override
        public void removeAll(String sandboxId) {
            // As above: there is nothing to remove.
        }

        @Override
        public List<ContainerStatus> statuses(String sandboxId) {
            return List.of();
        }
    };

    /** Stops every container of the sandbox, each with its own stop timeout; already stopped ones are fine. */
    void stopAll(String sandboxId);

    /** Removes every container of the sandbox, stopping any still running. */
    void removeAll(String sandboxId);

    /** The statuses (not verbose) of the sandbox's containers that exist when asked. */
    List<ContainerStatus> statuses(String sandboxId);
}
