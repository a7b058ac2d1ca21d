package io.jcri.runtime.state;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/** One lock per object id, created on demand and dropped when nobody holds or waits for it. */
public final class KeyedLocks {
    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock();
        int users;
    }

    private final ConcurrentMap<String, Entry> locks = new ConcurrentHashMap<>();

    /** Runs {@code body} holding the lock of {@code key}. */
    public <T> T with(String key, Supplier<T> body) {
        Entry e = locks.compute(key, (k, v) -> {
            Entry entry = v == null ? new Entry() : v;
            entry.users++;
            return entry;
        });
        e.lock.lock();
        try {
            return body.get();
        } finally {
            e.lock.unlock();
            locks.computeIfPresent(key, (k, v) -> --v.users == 0 ? null : v);
        }
    }

    /** Runs {@code body} holding the lock of {@code key}. */
    public void run(String key, Runnable body) {
        with(key, () -> {
            body.run();
            return null;
        });
    }
}
