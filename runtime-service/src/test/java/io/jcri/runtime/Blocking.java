package io.jcri.runtime;

import java.time.Duration;

/**
 * Waits until another thread blocks (on a lock, a future, a latch): the event that gives "it has not finished
 * yet" a meaning, where a sleep would only hope the other thread had arrived.
 */
public final class Blocking {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private Blocking() {
    }

    /** Returns once {@code t} is blocked or waiting; fails after 30 s. */
    public static void awaitBlocked(Thread t) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!blocked(t.getState())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(t + " did not block within " + WAIT + "; it is " + t.getState());
            }
            Thread.yield();
        }
    }

    private static boolean blocked(Thread.State s) {
        return s == Thread.State.BLOCKED || s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
    }
}
