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
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records of one kind, each kept in its own directory {@code <dir>/<id>/} as two files written crash-safely (temp,
 * fsync, rename): {@code meta.json}, what the object was made with, written once when it is created, and
 * {@code status.json}, where it is in its life, rewritten at each change. An in-memory index is loaded from disk
 * when the store opens: the files are the truth; the index is rebuilt from them at every start.
 *
 * <p>An object is recorded once its status file exists (the metadata is written before it). A directory holding
 * neither a status file nor a record of the old single-file format ({@code record.json}, written by jcri before
 * the split) is an orphan: see {@link #orphans}. An old-format record is read once, when the store opens, and
 * replaced by the two files.
 *
 * <p>Callers serialise changes to one object themselves (a per-object lock); the store only guarantees that a
 * reader sees a whole record and that a change is on disk before it is in the index.
 *
 * @param <T> an immutable record type made of a metadata part and a status part, as its {@link Shape} says
 */
public final class StateStore<T> {
    private static final Logger LOG = LoggerFactory.getLogger(StateStore.class);
    private static final String META_FILE = "meta.json";
    private static final String STATUS_FILE = "status.json";
    /** The single file of the format before the split, holding the fields of both parts. */
    private static final String OLD_RECORD_FILE = "record.json";
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * How a record splits into its two parts and is joined from them.
     *
     * @param metaType   the metadata part as Jackson reads it
     * @param statusType the status part as Jackson reads it
     * @param idOf       the object's id, from its metadata
     * @param meta       the metadata part of a record
     * @param status     the status part of a record
     * @param join       the record of two parts
     * @param <T>        the record
     * @param <M>        its metadata part: the old single-file format's fields of the same names fill it
     * @param <S>        its status part: likewise
     */
    public record Shape<T, M, S>(Class<M> metaType, Class<S> statusType, Function<M, String> idOf,
                                 Function<T, M> meta, Function<T, S> status, BiFunction<M, S, T> join) {

        private String id(T value) {
            return idOf.apply(meta.apply(value));
        }

        private boolean sameMeta(T a, T b) {
            return meta.apply(a) == meta.apply(b);
        }

        private T read(byte[] metaJson, byte[] statusJson) throws IOException {
            return join.apply(JSON.readValue(metaJson, metaType), JSON.readValue(statusJson, statusType));
        }
    }

    private final Path dir;
    private final Shape<T, ?, ?> shape;
    private final ConcurrentMap<String, T> index = new ConcurrentHashMap<>();

    private StateStore(Path dir, Shape<T, ?, ?> shape) {
        this.dir = dir;
        this.shape = shape;
    }

    /** Opens (creating it if needed) the store in {@code dir} and loads every record found there. */
    public static <T> StateStore<T> open(Path dir, Shape<T, ?, ?> shape) {
        StateStore<T> store = new StateStore<>(dir, shape);
        store.load();
        return store;
    }

    /** The directory that holds the object's record; owners may keep their own files next to it. */
    public Path dirOf(String id) {
        return dir.resolve(id);
    }

    /** Records a new object: its metadata, once and for good, then its status; then makes it visible. */
    public void create(T value) {
        String id = shape.id(value);
        if (index.containsKey(id)) {
            throw new IllegalStateException("the record of " + id + " exists already");
        }
        write(id, META_FILE, shape.meta().apply(value));
        write(id, STATUS_FILE, shape.status().apply(value));
        index.put(id, value);
    }

    /**
     * Records a new status of a recorded object: only its status file is rewritten. {@code value} carries the
     * metadata of the recorded object (it was made from it): metadata never changes.
     */
    public void update(T value) {
        String id = shape.id(value);
        T recorded = index.get(id);
        if (recorded == null) {
            throw new IllegalStateException("no record of " + id + " to update");
        }
        if (!shape.sameMeta(recorded, value)) {
            throw new IllegalStateException("the metadata of " + id + " is written once, when it is created");
        }
        write(id, STATUS_FILE, shape.status().apply(value));
        index.put(id, value);
    }

    private void write(String id, String file, Object part) {
        try {
            AtomicFiles.write(dirOf(id).resolve(file), JSON.writeValueAsBytes(part));
        } catch (IOException e) {
            throw new CriException(ErrorKind.INTERNAL, "cannot write the record of " + id + ": "
                    + e.getMessage(), e);
        }
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
     * writing its first status left behind. Their owners undo them at start.
     */
    public List<String> orphans() {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> Files.isDirectory(p) && !Files.exists(p.resolve(STATUS_FILE))
                            && !Files.exists(p.resolve(OLD_RECORD_FILE)))
                    .map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /**
     * Removes the record from the index, then its status file (a directory left half-deleted is an orphan), then
     * the directory. Unknown ids are a no-op.
     */
    public void delete(String id) {
        index.remove(id);
        Path objectDir = dirOf(id);
        try {
            Files.deleteIfExists(objectDir.resolve(STATUS_FILE));
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
                    removeTornWrites(objectDir);
                    if (Files.isRegularFile(objectDir.resolve(OLD_RECORD_FILE))) {
                        migrate(objectDir);
                    } else {
                        loadOne(objectDir);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load state from " + dir, e);
        }
        LOG.info("loaded {} record(s) from {}", index.size(), dir);
    }

    private void loadOne(Path objectDir) {
        Path status = objectDir.resolve(STATUS_FILE);
        if (!Files.isRegularFile(status)) {
            return;
        }
        try {
            T value = shape.read(Files.readAllBytes(objectDir.resolve(META_FILE)), Files.readAllBytes(status));
            index.put(shape.id(value), value);
        } catch (IOException e) {
            // A record that cannot be read is left on disk for a person to inspect; starting without it is
            // better than refusing to start at all.
            LOG.error("skipping unreadable record in {}: {}", objectDir, e.getMessage());
        }
    }

    /**
     * Replaces a record of the old single-file format by the two files, removing the old one last: a daemon
     * killed meanwhile finds the old file again and migrates anew.
     */
    private void migrate(Path objectDir) {
        Path old = objectDir.resolve(OLD_RECORD_FILE);
        try {
            byte[] json = Files.readAllBytes(old);
            T value = shape.read(json, json);
            String id = shape.id(value);
            write(id, META_FILE, shape.meta().apply(value));
            write(id, STATUS_FILE, shape.status().apply(value));
            Files.delete(old);
            AtomicFiles.fsyncDirectory(objectDir);
            index.put(id, value);
            LOG.info("record of {} converted from {} to {} and {}", id, OLD_RECORD_FILE, META_FILE, STATUS_FILE);
        } catch (IOException e) {
            LOG.error("skipping unreadable record {}: {}", old, e.getMessage());
        }
    }

    /** Temporary files of writes a killed daemon did not finish: the files they were to replace are whole. */
    private static void removeTornWrites(Path objectDir) throws IOException {
        try (Stream<Path> files = Files.list(objectDir)) {
            for (Path p : files.filter(StateStore::isTempFile).toList()) {
                LOG.warn("removing {}, a write that did not finish", p);
                Files.deleteIfExists(p);
            }
        }
    }

    private static boolean isTempFile(Path p) {
        String name = p.getFileName().toString();
        return (name.startsWith("." + META_FILE + ".") || name.startsWith("." + STATUS_FILE + "."))
                && name.endsWith(".tmp");
    }
}
