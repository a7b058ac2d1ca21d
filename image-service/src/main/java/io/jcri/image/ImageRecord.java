package io.jcri.image;

import java.util.List;
import java.util.Map;

/**
 * One image as jcri keeps it ({@code images/<hex>.json}).
 *
 * @param id          the config digest, {@code sha256:<hex>}
 * @param repoTags    {@code name:tag} references pointing at it
 * @param repoDigests {@code name@manifest-digest} references it was pulled by
 * @param size        compressed bytes of config and layers
 * @param config      the run defaults from the image config
 * @param chainIds    the layer chain IDs, lowest first
 * @param blobs       the blobs the image keeps in the content store (indexes, manifests, config)
 * @param pinned      whether kubelet's image garbage collection must leave it alone
 * @param annotations the manifest's annotations
 */
public record ImageRecord(String id, List<String> repoTags, List<String> repoDigests, long size, ImageConfig config,
                          List<String> chainIds, List<String> blobs, boolean pinned, Map<String, String> annotations) {
    public ImageRecord {
        repoTags = List.copyOf(repoTags);
        repoDigests = List.copyOf(repoDigests);
        chainIds = List.copyOf(chainIds);
        blobs = List.copyOf(blobs);
        annotations = Map.copyOf(annotations == null ? Map.of() : annotations);
    }

    public ImageRecord withRepoTags(List<String> tags) {
        return new ImageRecord(id, tags, repoDigests, size, config, chainIds, blobs, pinned, annotations);
    }

    /** The hex part of the ID. */
    public String hex() {
        return id.substring("sha256:".length());
    }
}
