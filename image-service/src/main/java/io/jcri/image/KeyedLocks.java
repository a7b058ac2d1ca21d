package io.jcri.image;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock per key (a blob digest, a layer chain ID), so that two pulls needing the same thing do it once: the
 * second waits, interruptibly, and then finds it done.
 */
public final class KeyedLocks {
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    /** A held lock; closing releases it. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /** Takes the lock of {@code key}; CANCELLED naming {@code what} when interrupted while waiting. */
    public Held lock(String key, String what) {
        ReentrantLock lock = locks.computeIfAbsent(key, k -> new ReentrantLock());
        try {
            lock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CriException(ErrorKind.CANCELLED, "waiting for " + what + ": cancelled", e);
        }
        return lock::unlock;
    }
}
