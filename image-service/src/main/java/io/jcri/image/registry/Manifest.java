package io.jcri.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A manifest as fetched: its bytes, digest and media type, parsed as either an index (OCI image index or Docker
 * manifest list) or an image manifest (OCI or Docker schema 2). Docker schema 1 is refused.
 */
public record Manifest(String digest, String mediaType, byte[] bytes, List<Descriptor> manifests,
                       Descriptor config, List<Descriptor> layers) {
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    /** What the client accepts, most preferred first. */
    public static final String ACCEPT = String.join(", ", OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST);

    private static final ObjectMapper JSON = new ObjectMapper();

    public boolean isIndex() {
        return config == null;
    }

    /** Parses manifest bytes; {@code contentType} is the registry's Content-Type header (may be empty). */
    public static Manifest parse(String digest, String contentType, byte[] bytes) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new CriException(ErrorKind.FAILED_PRECONDITION, "manifest " + digest + " is not JSON", e);
        }
        String type = root.path("mediaType").asText("");
        if (type.isEmpty()) {
            type = contentType == null ? "" : contentType.replaceFirst(";.*", "").strip();
        }
        if (root.path("schemaVersion").asInt() == 1 || type.startsWith("application/vnd.docker.distribution.manifest.v1")) {
            throw new CriException(ErrorKind.FAILED_PRECONDITION, "manifest " + digest
                    + " is Docker schema 1, which jcri does not pull; push the image again with a current client");
        }
        if (root.has("manifests")) {
            List<Descriptor> entries = new ArrayList<>();
            for (JsonNode m : root.path("manifests")) {
                JsonNode p = m.path("platform");
                String platform = p.isMissingNode() ? null : p.path("os").asText("") + "/"
                        + p.path("architecture").asText("") + (p.hasNonNull("variant") ? "/" + p.path("variant").asText() : "");
                entries.add(descriptor(m, platform));
            }
            return new Manifest(digest, type.isEmpty() ? OCI_INDEX : type, bytes, List.copyOf(entries), null, List.of());
        }
        if (!root.has("config") || !root.has("layers")) {
            throw new CriException(ErrorKind.FAILED_PRECONDITION, "manifest " + digest + " of type \"" + type
                    + "\" has neither manifests nor config and layers");
        }
        List<Descriptor> layers = new ArrayList<>();
        for (JsonNode l : root.path("layers")) {
            layers.add(descriptor(l, null));
        }
        return new Manifest(digest, type.isEmpty() ? OCI_MANIFEST : type, bytes, List.of(),
                descriptor(root.path("config"), null), List.copyOf(layers));
    }

    /**
     * The entry that suits {@code platform} best (the first of equally good ones), or NOT_FOUND naming the
     * platform and listing what the index offers.
     */
    public Descriptor pickPlatform(Platform platform) {
        Descriptor best = null;
        int bestRank = 0;
        for (Descriptor d : manifests) {
            int rank = platform.rank(d.platform());
            if (rank > bestRank) {
                best = d;
                bestRank = rank;
            }
        }
        if (best == null) {
            throw CriException.notFound("index " + digest + " has no manifest for platform " + platform
                    + "; it offers " + manifests.stream().map(Descriptor::platform).toList());
        }
        return best;
    }

    private static Descriptor descriptor(JsonNode n, String platform) {
        String digest = n.path("digest").asText("");
        if (!digest.matches("sha256:[a-f0-9]{64}")) {
            throw new CriException(ErrorKind.FAILED_PRECONDITION, "descriptor digest \"" + digest
                    + "\" is not sha256:<64 hex>");
        }
        return new Descriptor(n.path("mediaType").asText(""), digest, n.path("size").asLong(-1), platform);
    }
}
