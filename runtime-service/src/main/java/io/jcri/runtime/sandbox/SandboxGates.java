package io.jcri.runtime.sandbox;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * Makes creating and starting containers in a pod and tearing the pod down exclude each other. A container
 * operation passes the gate (a shared hold) only while the pod is open; closing waits until the holders have
 * left, then shuts the gate for good, so after a stop begins no container can appear or start in the pod, and one
 * created just before is seen by the stop's sweep.
 */
final class SandboxGates {
    private final ConcurrentMap<String, ReentrantReadWriteLock> gates = new ConcurrentHashMap<>();
    private final Set<String> closed = ConcurrentHashMap.newKeySet();
    private final Duration closeTimeout;

    SandboxGates(Duration closeTimeout) {
        this.closeTimeout = closeTimeout;
    }

    /** Runs {@code body} while pod {@code id} is held open; FAILED_PRECONDITION when it is closing or closed. */
    <T> T whileOpen(String id, Supplier<T> body) {
        ReentrantReadWriteLock gate = gates.computeIfAbsent(id, k -> new ReentrantReadWriteLock());
        gate.readLock().lock();
        try {
            if (closed.contains(id)) {
                throw new CriException(ErrorKind.FAILED_PRECONDITION, "pod sandbox " + id + " is "
                        + "stopping or stopped; no container can be created or started in it");
            }
            return body.get();
        } finally {
            gate.readLock().unlock();
        }
    }

    /** Shuts the gate of pod {@code id} once the container operations inside have finished. */
    void close(String id) {
        ReentrantReadWriteLock gate = gates.computeIfAbsent(id, k -> new ReentrantReadWriteLock());
        try {
            if (!gate.writeLock().tryLock(closeTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new CriException(ErrorKind.DEADLINE_EXCEEDED, "pod sandbox " + id + ": container "
                        + "operations in it did not finish within " + closeTimeout.toSeconds() + "s; try again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CriException(ErrorKind.CANCELLED, "interrupted while stopping pod " + id, e);
        }
        try {
            closed.add(id);
        } finally {
            gate.writeLock().unlock();
        }
    }

    /** Forgets a removed pod. */
    void forget(String id) {
        gates.remove(id);
        closed.remove(id);
    }
}
