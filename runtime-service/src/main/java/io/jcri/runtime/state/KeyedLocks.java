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

    /**
     * Runs {@code body} holding the lock of {@code key} if nobody else holds it now; empty (and {@code body} not
     * run) otherwise. For reads that may record what they found but must never wait behind a transition.
     */
    public <T> java.util.Optional<T> tryWith(String key, Supplier<T> body) {
        Entry e = locks.compute(key, (k, v) -> {
            Entry entry = v == null ? new Entry() : v;
            entry.users++;
            return entry;
        });
        try {
            if (!e.lock.tryLock()) {
                return java.util.Optional.empty();
            }
            try {
                return java.util.Optional.ofNullable(body.get());
            } finally {
                e.lock.unlock();
            }
        } finally {
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
