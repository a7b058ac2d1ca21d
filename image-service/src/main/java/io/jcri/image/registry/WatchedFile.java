package io.jcri.image.registry;

import io.jcri.cri.CriException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A configuration file (registries.conf, auth.json) that is parsed again when it changes on disk, as
 * containers/image does: each {@link #current()} compares the file's device, inode, size, modification and change
 * times with those of the last read, which costs one stat. A file that changed into something invalid leaves the
 * previous value in force and is logged once; a file that disappears counts as an absent one. Thread-safe.
 *
 * @param <T> what the file parses to
 */
public final class WatchedFile<T> {
    private static final Logger LOG = LoggerFactory.getLogger(WatchedFile.class);
    private static final String ATTRIBUTES = "unix:dev,ino,size,lastModifiedTime,ctime";

    private final String what;
    private final Path path;
    private final Function<Path, T> parse;
    private Object stamp;
    private T value;

    /**
     * Reads the file now; an invalid file throws (a daemon should not start on it).
     *
     * @param what  what the file is, for the log ("registries configuration")
     * @param path  the file; an empty path means none
     * @param parse reads the file, also when it does not exist, throwing CriException when it is invalid
     */
    public WatchedFile(String what, Path path, Function<Path, T> parse) {
        this.what = what;
        this.path = path;
        this.parse = parse;
        this.stamp = stamp();
        this.value = parse.apply(path);
    }

    /** The value of the file as it is now on disk, or the last valid one when it changed into an invalid file. */
    public synchronized T current() {
        Object now = stamp();
        if (!now.equals(stamp)) {
            stamp = now;
            read("changed");
        }
        return value;
    }

    /** Reads the file again whether it changed or not (on SIGHUP). */
    public synchronized void reload() {
        stamp = stamp();
        read("reloaded");
    }

    public Path path() {
        return path;
    }

    private void read(String why) {
        try {
            value = parse.apply(path);
            LOG.info("{} {} {}: read again", what, path, why);
        } catch (CriException e) {
            LOG.error("{} {} {} but is invalid; keeping the previous one: {}", what, path, why, e.getMessage());
        }
    }

    private Object stamp() {
        if (path.toString().isEmpty()) {
            return "none";
        }
        try {
            Map<String, Object> attributes = Files.readAttributes(path, ATTRIBUTES);
            return Map.copyOf(attributes);
        } catch (IOException e) {
            // absent or unreadable: the parser says which when the file is read
            return e.getClass().getName();
        }
    }
}
