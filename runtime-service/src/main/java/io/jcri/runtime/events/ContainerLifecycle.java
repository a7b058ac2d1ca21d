package io.jcri.runtime.events;

import io.jcri.cri.v1.ContainerEventType;

/**
 * Told by the container service when a container was created, started, seen stopped or removed. Implementations
 * return at once: the caller may hold the container's lock.
 */
@FunctionalInterface
public interface ContainerLifecycle {
    ContainerLifecycle NONE = (containerId, sandboxId, type, atNanos) -> { };

    /**
     * @param atNanos when it happened, epoch nanoseconds
     */
    void changed(String containerId, String sandboxId, ContainerEventType type, long atNanos);
}
