package io.jcri.runtime.events;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.ContainerStatus;
import io.jcri.cri.v1.PodSandboxStatus;
import io.jcri.runtime.container.ContainerService;
import io.jcri.runtime.sandbox.SandboxService;
import java.util.List;
import java.util.Optional;

/** The pod status and container statuses an event carries, as PodSandboxStatus and ContainerStatus show them. */
public interface PodStatuses {
    /** The pod's status; empty once the pod is gone. */
    Optional<PodSandboxStatus> pod(String sandboxId);

    /** The statuses of the pod's containers that still exist. */
    List<ContainerStatus> containers(String sandboxId);

    /** Statuses read from the running services. */
    static PodStatuses of(SandboxService sandboxes, ContainerService containers) {
        return new PodStatuses() {
            @Override
            public Optional<PodSandboxStatus> pod(String sandboxId) {
                return ifExists(() -> sandboxes.status(sandboxId, false).getStatus());
            }

            @Override
            public List<ContainerStatus> containers(String sandboxId) {
                return containers.statuses(sandboxId);
            }
        };
    }

    /** The value, or empty when the object was removed meanwhile (NOT_FOUND). */
    private static <T> Optional<T> ifExists(java.util.function.Supplier<T> read) {
        try {
            return Optional.of(read.get());
        } catch (CriException e) {
            if (e.kind() != ErrorKind.NOT_FOUND) {
                throw e;
            }
            return Optional.empty();
        }
    }
}
