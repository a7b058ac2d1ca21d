package io.jcri.runtime.sandbox;

import io.jcri.cri.CriException;
import io.jcri.cri.v1.IDMapping;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.UserNamespace;
import io.jcri.oci.spec.OciSpec;
import java.util.List;

/**
 * The user namespace a pod asks for: NODE (the host's, the default) or POD (its own, with one UID and one GID
 * mapping that maps container ID 0), refused like containerd and CRI-O refuse anything else.
 */
public final class PodUserNamespace {
    private PodUserNamespace() {
    }

    /** Refuses with INVALID_ARGUMENT a mode or mappings that a pod cannot have. */
    static void check(PodSandboxConfig config) {
        var ns = config.getLinux().getSecurityContext().getNamespaceOptions();
        if (!ns.hasUsernsOptions()) {
            return;
        }
        UserNamespace userns = ns.getUsernsOptions();
        switch (userns.getMode()) {
            case NODE -> {
                if (userns.getUidsCount() > 0 || userns.getGidsCount() > 0) {
                    throw CriException.invalid("user namespace mode NODE takes no ID mappings");
                }
            }
            case POD -> {
                mapping("uid", userns.getUidsList());
                mapping("gid", userns.getGidsList());
            }
            default -> throw CriException.invalid("unsupported user namespace mode "
                    + userns.getMode() + ": only NODE and POD are possible for a pod");
        }
    }

    private static void mapping(String what, List<IDMapping> mappings) {
        if (mappings.size() != 1) {
            throw CriException.invalid("user namespace mode POD needs exactly one " + what
                    + " mapping, got " + mappings.size());
        }
        IDMapping m = mappings.getFirst();
        if (m.getContainerId() != 0) {
            throw CriException.invalid("the " + what + " mapping of a user namespace must map container ID 0"
                    + ", it starts at " + Integer.toUnsignedString(m.getContainerId()));
        }
        if (m.getLength() == 0 || Integer.toUnsignedLong(m.getHostId()) + Integer.toUnsignedLong(m.getLength())
                > 0xFFFF_FFFFL) {
            throw CriException.invalid("the " + what + " mapping " + m.getHostId() + "+" + m.getLength()
                    + " of a user namespace is empty or beyond the host's ID range");
        }
    }

    /**
     * Whether the pod runs in its own user namespace. POD is the zero value of the mode, so only options that are
     * present ask for one: a pod without them stays in the host's, as with containerd.
     */
    public static boolean own(PodSandboxConfig config) {
        var ns = config.getLinux().getSecurityContext().getNamespaceOptions();
        return ns.hasUsernsOptions() && ns.getUsernsOptions().getMode() == NamespaceMode.POD;
    }

    /** The pod's UID mappings in runtime-spec form (empty for a pod in the host's user namespace). */
    public static List<OciSpec.IdMapping> uidMappings(PodSandboxConfig config) {
        return own(config) ? oci(config.getLinux().getSecurityContext().getNamespaceOptions().getUsernsOptions()
                .getUidsList()) : List.of();
    }

    /** The pod's GID mappings in runtime-spec form (empty for a pod in the host's user namespace). */
    public static List<OciSpec.IdMapping> gidMappings(PodSandboxConfig config) {
        return own(config) ? oci(config.getLinux().getSecurityContext().getNamespaceOptions().getUsernsOptions()
                .getGidsList()) : List.of();
    }

    private static List<OciSpec.IdMapping> oci(List<IDMapping> mappings) {
        return mappings.stream().map(m -> new OciSpec.IdMapping(Integer.toUnsignedLong(m.getContainerId()),
                Integer.toUnsignedLong(m.getHostId()), Integer.toUnsignedLong(m.getLength()))).toList();
    }
}
