package io.jcri.image.layer;

import io.jcri.oci.sys.Syscalls;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;

/**
 * The modification times of a layer's directories, set once their entries exist (creating an entry changes its
 * directory's time). One time per directory, the last entry's, whatever the number of entries naming it; at most
 * {@link #BATCH} directories are remembered: beyond that the remembered times are set at once and forgotten, so
 * a layer of millions of directories costs bounded memory (a directory that gains entries after its batch was set
 * keeps the time of that moment).
 */
final class DirectoryTimes {
    static final int BATCH = 1 << 16;

    private final Map<Path, FileTime> pending = new HashMap<>();
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
            pending.remove(dir);
            return;
        }
        pending.put(dir, mtime);
        if (pending.size() >= batch) {
            apply();
        }
    }

    int pending() {
        return pending.size();
    }

    /** Sets every remembered time; setting a directory's time leaves its parent's alone, so order is free. */
    void apply() {
        pending.forEach(DirectoryTimes::set);
        pending.clear();
    }

    static void set(Path p, FileTime t) {
        if (t != null) {
            var instant = t.toInstant();
            Syscalls.lutimes(p.toString(), instant.getEpochSecond(), instant.getNano());
        }
    }
}
