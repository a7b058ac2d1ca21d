package io.jcri.runtime.cdi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The changes a CDI device (or its whole spec) makes to a container, as the CDI specification names them: environment,
 * device nodes, mounts, hooks and additional groups. {@code intelRdt} and {@code netDevices} are read so that a spec
 * using them is valid, but jcri applies neither: a device that needs them is refused rather than half applied.
 */
public record ContainerEdits(List<String> env, List<DeviceNode> deviceNodes, List<Mount> mounts, List<Hook> hooks,
                             List<Long> additionalGids, JsonNode intelRdt, List<JsonNode> netDevices) {
    static final Set<String> HOOK_NAMES = Set.of("prestart", "createRuntime", "createContainer", "startContainer",
            "poststart", "poststop");
    /** No edits. */
    public static final ContainerEdits NONE = new ContainerEdits(null, null, null, null, null, null, null);

    public ContainerEdits {
        env = List.copyOf(env == null ? List.of() : env);
        deviceNodes = List.copyOf(deviceNodes == null ? List.of() : deviceNodes);
        mounts = List.copyOf(mounts == null ? List.of() : mounts);
        hooks = List.copyOf(hooks == null ? List.of() : hooks);
        additionalGids = List.copyOf(additionalGids == null ? List.of() : additionalGids);
        netDevices = List.copyOf(netDevices == null ? List.of() : netDevices);
    }

    /**
     * A device node: {@code path} in the container, {@code hostPath} (default: the same path) on the host; type,
     * major and minor are looked up on the host when not given.
     *
     * @param permissions cgroup access, a subset of "rwm" (empty: all), or "none"
     */
    public record DeviceNode(String path, String hostPath, String type, Long major, Long minor, Integer fileMode,
                             String permissions, Long uid, Long gid) {
    }

    public record Mount(String hostPath, String containerPath, List<String> options, String type) {
    }

    public record Hook(String hookName, String path, List<String> args, List<String> env, Integer timeout) {
    }

    /** Both edits in order: these first, then {@code o}'s. */
    ContainerEdits then(ContainerEdits o) {
        return new ContainerEdits(concat(env, o.env), concat(deviceNodes, o.deviceNodes), concat(mounts, o.mounts),
                concat(hooks, o.hooks), concat(additionalGids, o.additionalGids),
                o.intelRdt != null ? o.intelRdt : intelRdt, concat(netDevices, o.netDevices));
    }

    /** Whether these edits change nothing. */
    public boolean isEmpty() {
        return env.isEmpty() && deviceNodes.isEmpty() && mounts.isEmpty() && hooks.isEmpty()
                && additionalGids.isEmpty() && intelRdt == null && netDevices.isEmpty();
    }

    /** What is wrong with these edits, as the CDI specification's validation says; empty when nothing. */
    List<String> problems() {
        List<String> out = new ArrayList<>();
        env.stream().filter(e -> e.indexOf('=') <= 0).forEach(e -> out.add("invalid environment variable '" + e + "'"));
        for (DeviceNode d : deviceNodes) {
            if (d.path() == null || !d.path().startsWith("/")) {
                out.add("device node path '" + d.path() + "' is not absolute");
            }
            if (d.type() != null && !Set.of("", "b", "c", "u", "p").contains(d.type())) {
                out.add("device node " + d.path() + ": invalid type '" + d.type() + "'");
            }
            String perms = d.permissions() == null ? "" : d.permissions();
            if (!perms.equals("none") && !perms.matches("[rwm]*")) {
                out.add("device node " + d.path() + ": invalid permissions '" + perms + "'");
            }
        }
        for (Mount m : mounts) {
            if (m.hostPath() == null || m.hostPath().isEmpty() || m.containerPath() == null
                    || !m.containerPath().startsWith("/")) {
                out.add("mount needs a host path and an absolute container path (" + m.hostPath() + " -> "
                        + m.containerPath() + ")");
            }
        }
        for (Hook h : hooks) {
            if (!HOOK_NAMES.contains(h.hookName())) {
                out.add("invalid hook name '" + h.hookName() + "'");
            }
            if (h.path() == null || h.path().isEmpty()) {
                out.add("hook " + h.hookName() + " has an empty path");
            }
            if (h.env() != null) {
                h.env().stream().filter(e -> e.indexOf('=') <= 0)
                        .forEach(e -> out.add("hook " + h.hookName() + ": invalid environment variable '" + e + "'"));
            }
        }
        return out;
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
