package io.jcri.runtime.state;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.oci.fs.AtomicFiles;
import io.jcri.oci.fs.Trees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records of one kind kept as {@code <dir>/<id>/record.json}, written crash-safely, with an in-memory index loaded
 * from disk when the store opens. The file is the truth; the index is rebuilt from it at every start.
 *
 * <p>Callers serialise changes to one object themselves (a per-object lock); the store only guarantees that a
 * reader sees a whole record and that a {@link #put} is on disk before it is in the index.
 *
 * @param <T> an immutable record type Jackson can read and write
 */
public final class StateStore<T> {
    private static final Logger LOG = LoggerFactory.getLogger(StateStore.class);
    private static final String RECORD_FILE = "record.json";
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;
    private final Class<T> type;
    private final Function<T, String> idOf;
    private final ConcurrentMap<String, T> index = new ConcurrentHashMap<>();

    private StateStore(Path dir, Class<T> type, Function<T, String> idOf) {
        this.dir = dir;
        this.type = type;
        this.idOf = idOf;
    }

    /** Opens (creating it if needed) the store in {@code dir} and loads every record found there. */
    public static <T> StateStore<T> open(Path dir, Class<T> type, Function<T, String> idOf) {
        StateStore<T> store = new StateStore<>(dir, type, idOf);
        store.load();
        return store;
    }

    /** The directory that holds the object's record; owners may keep their own files next to it. */
    public Path dirOf(String id) {
        return dir.resolve(id);
    }

    /** Writes the record to disk, then makes it visible in the index. */
    public void put(T value) {
        String id = idOf.apply(value);
        try {
            AtomicFiles.write(dirOf(id).resolve(RECORD_FILE), JSON.writeValueAsBytes(value));
        } catch (IOException e) {
            throw new CriException(ErrorKind.INTERNAL, "cannot write the record of " + id + ": "
                    + e.getMessage(), e);
        }
        index.put(id, value);
    }

    public Optional<T> get(String id) {
        return Optional.ofNullable(index.get(id));
    }

    /**
     * The object whose id is {@code idOrPrefix} or starts with it, as containerd resolves ids; empty when none
     * matches, INVALID_ARGUMENT when the prefix matches more than one.
     */
    public Optional<T> find(String idOrPrefix) {
        if (idOrPrefix == null || idOrPrefix.isEmpty()) {
            return Optional.empty();
        }
        T exact = index.get(idOrPrefix);
        if (exact != null) {
            return Optional.of(exact);
        }
        List<T> matches = index.entrySet().stream().filter(e -> e.getKey().startsWith(idOrPrefix))
                .map(java.util.Map.Entry::getValue).limit(2).toList();
        if (matches.size() > 1) {
            throw CriException.invalid("id prefix '" + idOrPrefix + "' matches more than one object; "
                    + "give more characters");
        }
        return matches.stream().findFirst();
    }

    public List<T> all() {
        return List.copyOf(index.values());
    }

    /**
     * Ids of object directories that hold no record: what a daemon killed between making an object's directory and
     * writing its first record left behind. Their owners undo them at start.
     */
    public List<String> orphans() {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> Files.isDirectory(p) && !Files.exists(p.resolve(RECORD_FILE)))
                    .map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** Removes the record from the index, then its file and directory. Unknown ids are a no-op. */
    public void delete(String id) {
        index.remove(id);
        Path objectDir = dirOf(id);
        try {
            Files.deleteIfExists(objectDir.resolve(RECORD_FILE));
            if (Files.isDirectory(objectDir)) {
                Trees.delete(objectDir);
            }
            if (Files.isDirectory(dir)) {
                AtomicFiles.fsyncDirectory(dir);
            }
        } catch (IOException e) {
            throw new CriException(ErrorKind.INTERNAL, "cannot delete the state of " + id + ": "
                    + e.getMessage(), e);
        }
    }

    private void load() {
        try {
            Files.createDirectories(dir);
            try (Stream<Path> entries = Files.list(dir)) {
                for (Path objectDir : entries.filter(Files::isDirectory).toList()) {
                    loadOne(objectDir.resolve(RECORD_FILE));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load state from " + dir, e);
        }
        LOG.info("loaded {} {} record(s) from {}", index.size(), type.getSimpleName(), dir);
    }

    private void loadOne(Path file) {
        if (!Files.isRegularFile(file)) {
            return;
        }
        try {
            T value = JSON.readValue(file.toFile(), type);
            index.put(idOf.apply(value), value);
        } catch (IOException e) {
            // A record that cannot be read is left on disk for a person to inspect; starting without it is
            // better than refusing to start at all.
            LOG.error("skipping unreadable record {}: {}", file, e.getMessage());
        }
    }
}
