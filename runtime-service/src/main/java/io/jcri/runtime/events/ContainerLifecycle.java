package io.jcri.runtime.events;

import io.jcri.cri.v1.ContainerEventType;
import io.jcri.cri.v1.PodSandboxStatus;

/**
 * Told by the container and sandbox services when a container or pod sandbox was created, started, seen stopped or
 * removed. Implementations return at once: the caller may hold the object's lock.
 */
@FunctionalInterface
public interface ContainerLifecycle {
    /**
     * @param atNanos when it happened, epoch nanoseconds
     */
    void changed(String containerId, String sandboxId, ContainerEventType type, long atNanos);

    /**
     * A pod sandbox changed, reported as kubelet's evented PLEG expects it: as an event of a container whose id is
     * the sandbox's. {@code status} is the pod's status at that moment, as the pod may be gone when it is published.
     */
    default void podChanged(PodSandboxStatus status, ContainerEventType type, long atNanos) {
    }
}
