package io.jcri.oci.ns;

import io.jcri.oci.OciException;
import io.jcri.oci.sys.Syscalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates a pod's network, IPC and UTS namespaces without a pause process and keeps them alive by bind-mounting
 * them onto files under {@code <run_root>/netns|ipcns|utsns/<id>}; the daemon's own namespaces never change.
 * Also sets the hostname and namespaced sysctls inside pinned namespaces.
 */
public final class NamespacePinner implements PodNamespaces {
    private static final Logger LOG = LoggerFactory.getLogger(NamespacePinner.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Set<NsType> PINNABLE = Set.of(NsType.NET, NsType.IPC, NsType.UTS);

    private final Path runRoot;

    public NamespacePinner(Path runRoot) {
        this.runRoot = runRoot;
    }

    /** Where the namespace of {@code type} of object {@code id} is (or would be) pinned. */
    @Override
    public Path path(NsType type, String id) {
        return runRoot.resolve(type.procName() + "ns").resolve(id);
    }

    /**
     * Creates new namespaces of {@code types} (NET, IPC, UTS), pins them, and sets {@code hostname} in the UTS one
     * when it is among them. All or nothing: on failure whatever was pinned is unpinned again.
     */
    @Override
    public Map<NsType, Path> pin(String id, Set<NsType> types, String hostname) {
        if (!PINNABLE.containsAll(types)) {
            throw new IllegalArgumentException("only net, ipc and uts namespaces can be pinned, not " + types);
        }
        if (types.isEmpty()) {
            return Map.of();
        }
        int flags = types.stream().mapToInt(NsType::flag).reduce(0, (a, b) -> a | b);
        return NamespaceThread.call("pin " + id, TIMEOUT, () -> {
            NamespaceThread.unshare(flags);
            Map<NsType, Path> pinned = new EnumMap<>(NsType.class);
            try {
                for (NsType type : types) {
                    Path target = path(type, id);
                    Files.createDirectories(target.getParent());
                    if (!Files.exists(target)) {
                        Files.createFile(target);
                    }
                    pinned.put(type, target);
                    Syscalls.mount("/proc/thread-self/ns/" + type.procName(), target.toString(), "none",
                            Syscalls.MS_BIND, null);
                }
                if (types.contains(NsType.UTS) && hostname != null && !hostname.isEmpty()) {
                    writeProcSys("kernel.hostname", hostname);
                }
            } catch (IOException | RuntimeException e) {
                pinned.keySet().forEach(t -> unpinOne(t, id));
                throw e instanceof IOException io ? new OciException("pinning namespaces of " + id + ": "
                        + io.getMessage(), io) : (RuntimeException) e;
            }
            return Map.copyOf(pinned);
        });
    }

    /** Unmounts and deletes every pinned namespace of {@code id}; what is already gone is fine. */
    @Override
    public void unpin(String id) {
        List<String> failures = new ArrayList<>();
        for (NsType type : PINNABLE) {
            try {
                unpinOne(type, id);
            } catch (RuntimeException e) {
                failures.add(e.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            throw new OciException("unpinning the namespaces of " + id + ": " + String.join("; ", failures));
        }
    }

    /**
     * Writes sysctls ({@code net.ipv4.ip_forward} style keys) from a thread that has entered {@code namespaces}, so
     * each value lands in the pod's namespace. The caller has checked that every key is namespaced.
     */
    @Override
    public void applySysctls(String id, Map<NsType, Path> namespaces, Map<String, String> sysctls) {
        if (sysctls.isEmpty()) {
            return;
        }
        NamespaceThread.call("sysctls " + id, TIMEOUT, () -> {
            NamespaceThread.enter(namespaces);
            for (Map.Entry<String, String> e : sysctls.entrySet()) {
                writeProcSys(e.getKey(), e.getValue());
            }
            return null;
        });
        LOG.debug("sandbox {}: applied sysctls {}", id, sysctls.keySet());
    }

    private void unpinOne(NsType type, String id) {
        Path target = path(type, id);
        if (!Files.exists(target)) {
            return;
        }
        Syscalls.umount(target.toString(), Syscalls.MNT_DETACH);
        try {
            Files.deleteIfExists(target);
        } catch (IOException e) {
            throw new OciException("deleting " + target + ": " + e.getMessage(), e);
        }
    }

    private static void writeProcSys(String key, String value) throws IOException {
        // Kubernetes accepts both "net.ipv4.ip_forward" and "net/ipv4/conf/eth0.1/forwarding" (dots literal).
        String relative = key.contains("/") ? key : key.replace('.', '/');
        // The caller validated the name; refusing '.' and '..' here too keeps a future caller from reaching a
        // host sysctl through a name that normalizes to another group (net/../kernel/core_pattern).
        boolean dotComponent = java.util.Arrays.stream(relative.split("/", -1))
                .anyMatch(c -> c.isEmpty() || c.equals(".") || c.equals(".."));
        Path file = Path.of("/proc/sys").resolve(relative).normalize();
        if (dotComponent || !file.startsWith("/proc/sys/") || relative.startsWith("/")) {
            throw new OciException("malformed sysctl name '" + key + "'");
        }
        try {
            Files.writeString(file, value, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new OciException("setting " + key + "=" + value + ": " + e.getMessage(), e);
        }
    }
}
