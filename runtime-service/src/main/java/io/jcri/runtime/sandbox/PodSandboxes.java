package io.jcri.runtime.sandbox;

import java.util.function.Function;

/**
 * The pods as the container service needs them: looked up, held ready while a container is created or started in
 * one, and asked what their handler allows. {@link SandboxService} is the implementation; the seam lets the
 * container state machine be tested with a fake, without root.
 */
public interface PodSandboxes {
    /** The sandbox with this id or unique id prefix; NOT_FOUND otherwise. */
    SandboxRecord require(String idOrPrefix);

    /**
     * Runs {@code body} with the sandbox held ready: it cannot begin to stop or be removed meanwhile, and once it
     * has begun this answers FAILED_PRECONDITION (NOT_FOUND for an unknown sandbox).
     */
    <T> T whileReady(String idOrPrefix, Function<SandboxRecord, T> body);

    /** Whether pods of {@code handler} (empty: the default handler) may have their own user namespace. */
    boolean userNamespaces(String handler);

    /** The handler pods asking for {@code handler} run with: the default handler for the empty name. */
    String resolveHandler(String handler);
}
