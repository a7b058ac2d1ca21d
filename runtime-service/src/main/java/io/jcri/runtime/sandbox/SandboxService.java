package io.jcri.runtime.sandbox;

import io.jcri.runtime.RuntimeServiceException;
import io.jcri.runtime.state.StateStore;
import java.util.Objects;

/** The pod sandboxes: run, stop, remove, status, list. */
public final class SandboxService {
    private final StateStore<SandboxRecord> store;
    private volatile PodContainers containers = PodContainers.NONE;

    public SandboxService(StateStore<SandboxRecord> store) {
        this.store = store;
    }

    /** Registers the container service's view of pod containers, used when pods stop and are removed. */
    public void usePodContainers(PodContainers podContainers) {
        this.containers = Objects.requireNonNull(podContainers);
    }

    /** The sandbox with this id or unique id prefix; NOT_FOUND otherwise. */
    public SandboxRecord require(String idOrPrefix) {
        return store.find(idOrPrefix).orElseThrow(() ->
                RuntimeServiceException.notFound("pod sandbox '" + idOrPrefix + "' not found"));
    }
}
