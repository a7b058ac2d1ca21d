package io.jcri.runtime.sandbox;

/**
 * The containers of a pod, as the sandbox service needs them when the pod stops or goes away. The container
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
    };

    /** Stops every container of the sandbox, each with its own stop timeout; already stopped ones are fine. */
    void stopAll(String sandboxId);

    /** Removes every container of the sandbox, stopping any still running. */
    void removeAll(String sandboxId);
}
