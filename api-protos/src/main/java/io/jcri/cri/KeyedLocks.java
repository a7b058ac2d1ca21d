package io.jcri.cri;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One lock per key (a sandbox or container id, a blob digest, a layer chain ID), made when first asked for and
 * dropped when nobody holds or waits for it, so the table holds only the keys in use however many pass through
 * it. Beside {@link CriException} because an interrupted wait ends in one (CANCELLED).
 */
public final class KeyedLocks {
    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock();
        int users;
    }

    /** A held lock; closing releases it. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    private final ConcurrentMap<String, Entry> locks = new ConcurrentHashMap<>();

    /** Runs {@code body} holding the lock of {@code key}. */
    public <T> T with(String key, Supplier<T> body) {
        Entry e = enter(key);
        e.lock.lock();
        try {
            return body.get();
        } finally {
            e.lock.unlock();
            leave(key);
        }
    }

    /** Runs {@code body} holding the lock of {@code key}. */
    public void run(String key, Runnable body) {
        with(key, () -> {
            body.run();
            return null;
        });
    }

    /**
     * Runs {@code body} holding the lock of {@code key} if nobody else holds it now; empty (and {@code body} not
     * run) otherwise. For reads that may record what they found but must never wait behind a transition.
     */
    public <T> Optional<T> tryWith(String key, Supplier<T> body) {
        Entry e = enter(key);
        try {
            if (!e.lock.tryLock()) {
                return Optional.empty();
            }
            try {
                return Optional.ofNullable(body.get());
            } finally {
                e.lock.unlock();
            }
        } finally {
            leave(key);
        }
    }

    /**
     * Takes the lock of {@code key}, waiting interruptibly: an interrupted wait is CANCELLED, naming {@code what}.
     * For work a second caller should wait for and then find done (a download, an unpack).
     */
    public Held lockInterruptibly(String key, String what) {
        Entry e = enter(key);
        try {
            e.lock.lockInterruptibly();
        } catch (InterruptedException ie) {
            leave(key);
            Thread.currentThread().interrupt();
            throw new CriException(ErrorKind.CANCELLED, "waiting for " + what + ": cancelled", ie);
        }
        return () -> {
            e.lock.unlock();
            leave(key);
        };
    }

    /** How many keys have an entry now: those held or waited for. */
    int size() {
        return locks.size();
    }

    private Entry enter(String key) {
        return locks.compute(key, (k, v) -> {
            Entry entry = v == null ? new Entry() : v;
            entry.users++;
            return entry;
        });
    }

    private void leave(String key) {
        locks.computeIfPresent(key, (k, v) -> --v.users == 0 ? null : v);
    }
}
