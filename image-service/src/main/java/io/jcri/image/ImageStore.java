package io.jcri.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.oci.fs.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Image records, one JSON file each under {@code <root>/<hex>.json} written atomically, with in-memory indexes by
 * ID, tag and repo digest rebuilt from the files at start. A tag names one image: tagging an image moves the tag
 * away from the image that had it.
 */
final class ImageStore {
    private static final Logger LOG = LoggerFactory.getLogger(ImageStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final Map<String, ImageRecord> byId = new HashMap<>();
    private final Map<String, String> tagIndex = new HashMap<>();
    private final Map<String, String> digestIndex = new HashMap<>();

    ImageStore(Path root) throws IOException {
        this.root = root;
        Files.createDirectories(root);
        List<Path> files;
        try (Stream<Path> s = Files.list(root)) {
            // oldest first: when a crash came between tagging one image and untagging another, the newer wins
            files = s.filter(p -> p.getFileName().toString().endsWith(".json"))
                    .sorted(Comparator.comparing(ImageStore::modified)).toList();
        }
        for (Path p : files) {
            ImageRecord r;
            try {
                r = JSON.readValue(p.toFile(), ImageRecord.class);
            } catch (IOException e) {
                // one unreadable record must not keep the node from starting: the image can be pulled again
                LOG.error("image record {} is unreadable, ignoring it: {}", p, e.getMessage());
                continue;
            }
            byId.put(r.id(), r);
            index(r);
        }
        for (ImageRecord r : List.copyOf(byId.values())) {
            List<String> owned = r.repoTags().stream().filter(t -> r.id().equals(tagIndex.get(t))).toList();
            if (owned.size() != r.repoTags().size()) {
                LOG.info("image {}: dropping tags that a newer image took: {}", r.id(), r.repoTags());
                save(r.withRepoTags(owned));
            }
        }
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    synchronized Optional<ImageRecord> byId(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    synchronized Optional<ImageRecord> byTag(String taggedName) {
        return Optional.ofNullable(tagIndex.get(taggedName)).map(byId::get);
    }

    synchronized Optional<ImageRecord> byRepoDigest(String digestedName) {
        return Optional.ofNullable(digestIndex.get(digestedName)).map(byId::get);
    }

    /** The one image whose hex ID starts with {@code prefix}; empty when none or several do. */
    synchronized Optional<ImageRecord> byIdPrefix(String prefix) {
        List<ImageRecord> hits = byId.values().stream().filter(r -> r.hex().startsWith(prefix)).toList();
        return hits.size() == 1 ? Optional.of(hits.getFirst()) : Optional.empty();
    }

    synchronized List<ImageRecord> all() {
        return List.copyOf(byId.values());
    }

    /**
     * Records a pulled image: merges tags and digests into an existing record of the same ID and moves
     * {@code tag} (may be null) away from any other image.
     */
    synchronized ImageRecord add(ImageRecord pulled, String tag) throws IOException {
        ImageRecord old = byId.get(pulled.id());
        Set<String> tags = new LinkedHashSet<>(old == null ? List.of() : old.repoTags());
        Set<String> digests = new LinkedHashSet<>(old == null ? List.of() : old.repoDigests());
        if (tag != null) {
            tags.add(tag);
        }
        digests.addAll(pulled.repoDigests());
        ImageRecord merged = new ImageRecord(pulled.id(), new ArrayList<>(tags), new ArrayList<>(digests),
                pulled.size(), pulled.config(), pulled.chainIds(), pulled.blobs(),
                pulled.pinned() || (old != null && old.pinned()), pulled.annotations());
        String previous = tag == null ? null : tagIndex.get(tag);
        save(merged);
        if (previous != null && !previous.equals(merged.id())) {
            ImageRecord loser = byId.get(previous);
            List<String> remaining = loser.repoTags().stream().filter(t -> !t.equals(tag)).toList();
            LOG.info("tag {} moves from image {} to {}", tag, previous, merged.id());
            save(loser.withRepoTags(remaining));
        }
        return merged;
    }

    /** Deletes the record; its layers and blobs are collected separately. */
    synchronized void remove(ImageRecord r) throws IOException {
        ImageRecord current = byId.remove(r.id());
        if (current != null) {
            unindex(current);
        }
        Files.deleteIfExists(file(r.id()));
        AtomicFiles.fsyncDirectory(root);
    }

    private void save(ImageRecord r) throws IOException {
        AtomicFiles.write(file(r.id()), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(r));
        ImageRecord old = byId.put(r.id(), r);
        if (old != null) {
            unindex(old);
        }
        index(r);
    }

    private void index(ImageRecord r) {
        r.repoTags().forEach(t -> tagIndex.put(t, r.id()));
        r.repoDigests().forEach(d -> digestIndex.put(d, r.id()));
    }

    private void unindex(ImageRecord r) {
        r.repoTags().forEach(t -> tagIndex.remove(t, r.id()));
        r.repoDigests().forEach(d -> digestIndex.remove(d, r.id()));
    }

    private Path file(String id) {
        return root.resolve(id.substring("sha256:".length()) + ".json");
    }
}
