package io.jcri.runtime.sandbox;

import java.nio.file.Path;
import java.util.Set;

/**
 * The daemon configuration the sandbox service needs.
 *
 * @param handlers            the runtime handler names pods may ask for
 * @param defaultHandler      used when a pod names none
 * @param cgroupParent        the parent of pod cgroups when the pod config gives none
 * @param infraBinary         the infra process binary ({@code catatonit}), started with {@code -P}
 * @param usernsHandlers      the handlers whose OCI runtime can run pods in their own user namespace
 */
public record SandboxSettings(Path runRoot, Set<String> handlers, String defaultHandler, String cgroupParent,
                              String infraBinary, Set<String> usernsHandlers) {
    public SandboxSettings {
        handlers = Set.copyOf(handlers);
        usernsHandlers = Set.copyOf(usernsHandlers);
    }
}
