package io.jcri.oci.ns;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * A pod's own namespaces, made and kept without a process in them. {@link NamespacePinner} is the implementation;
 * the seam lets the sandbox state machine be tested with a fake, without root.
 */
public interface PodNamespaces {
    /** Where the namespace of {@code type} of object {@code id} is (or would be) pinned. */
    Path path(NsType type, String id);

    /**
     * Creates new namespaces of {@code types}, pins them, and sets {@code hostname} in the UTS one when it is among
     * them. All or nothing.
     */
    Map<NsType, Path> pin(String id, Set<NsType> types, String hostname);

    /** Releases every pinned namespace of {@code id}; what is already gone is fine. */
    void unpin(String id);

    /** Writes sysctls inside {@code namespaces}; the caller has checked that every key is namespaced. */
    void applySysctls(String id, Map<NsType, Path> namespaces, Map<String, String> sysctls);
}
