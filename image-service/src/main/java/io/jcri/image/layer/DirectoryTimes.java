package io.jcri.image.layer;

import io.jcri.oci.sys.Syscalls;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.TreeMap;

/**
 * The modification times of a layer's directories, set once their entries exist (creating an entry changes its
 * directory's time). One time per directory, the last entry's, whatever the number of entries naming it; at most
 * {@link #BATCH} directories are remembered: beyond that the remembered times are set at once and forgotten, so
 * a layer of millions of directories costs bounded memory (a directory that gains entries after its batch was set
 * keeps the time of that moment).
 */
final class DirectoryTimes {
    static final int BATCH = 1 << 16;

    /** By path string, sorted, so that the directories beneath one are one range. */
    private final TreeMap<String, FileTime> pending = new TreeMap<>();
    private final int batch;

    DirectoryTimes() {
        this(BATCH);
    }

    /** @param batch how many directories to remember before setting their times */
    DirectoryTimes(int batch) {
        this.batch = batch;
    }

    void remember(Path dir, FileTime mtime) {
        if (mtime == null) {
            pending.remove(dir.toString());
            return;
        }
        pending.put(dir.toString(), mtime);
        if (pending.size() >= batch) {
            apply();
        }
    }

    /** Drops {@code dir} and every directory beneath it: it is being replaced. */
    void forget(Path dir) {
        String d = dir.toString();
        pending.remove(d);
        // the names beneath d are those from "d/" up to, not including, "d0" ('0' follows '/')
        pending.subMap(d + "/", d + "0").clear();
    }

    int pending() {
        return pending.size();
    }

    /** Sets every remembered time; setting a directory's time leaves its parent's alone, so order is free. */
    void apply() {
        pending.forEach((p, t) -> set(Path.of(p), t));
        pending.clear();
    }

    static void set(Path p, FileTime t) {
        if (t != null) {
            var instant = t.toInstant();
            Syscalls.lutimes(p.toString(), instant.getEpochSecond(), instant.getNano());
        }
    }
}
