package io.jcri.runtime.events;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.ContainerEventResponse;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans container events out to any number of subscribers (GetContainerEvents streams). Each subscriber has a
 * bounded buffer; publishing never waits, and a subscriber whose buffer is full is dropped with a logged reason
 * rather than slowing the runtime or the other subscribers. A subscriber learns that there is something to take
 * from a callback, so no thread waits on a quiet stream.
 */
public final class EventBus {
    private static final Logger LOG = LoggerFactory.getLogger(EventBus.class);

    private final int capacity;
    private final Set<Subscription> subscribers = new CopyOnWriteArraySet<>();
    private final AtomicLong ids = new AtomicLong();

    /** @param capacity events a subscriber may fall behind before it is dropped */
    public EventBus(int capacity) {
        this.capacity = capacity;
    }

    /** A new subscription that sees every event published from now on; close it when done. */
    public Subscription subscribe() {
        Subscription s = new Subscription(ids.incrementAndGet(), capacity);
        subscribers.add(s);
        LOG.debug("event subscriber {} joined ({} now)", s.id, subscribers.size());
        return s;
    }

    /** Whether anybody listens; publishers skip building events nobody would see. */
    public boolean hasSubscribers() {
        return !subscribers.isEmpty();
    }

    /**
     * Hands {@code event} to every subscriber without waiting and tells each (its {@code onAvailable} callback,
     * on this thread); drops those that have fallen too far behind.
     */
    public void publish(ContainerEventResponse event) {
        for (Subscription s : subscribers) {
            if (s.queue.offer(event)) {
                s.available.run();
            } else {
                s.drop("fell " + capacity + " events behind");
            }
        }
    }

    /** One subscriber's view: its buffered events, in the order they were published. */
    public final class Subscription implements AutoCloseable {
        private final long id;
        private final BlockingQueue<ContainerEventResponse> queue;
        private volatile String dropped;
        private volatile boolean closed;
        private volatile Runnable available = () -> { };

        private Subscription(long id, int capacity) {
            this.id = id;
            this.queue = new ArrayBlockingQueue<>(capacity);
        }

        /**
         * The next buffered event, or null when there is none or the subscription was closed; never waits.
         * RESOURCE_EXHAUSTED once the subscriber has been dropped for falling behind.
         */
        public ContainerEventResponse poll() {
            throwIfDropped();
            return closed ? null : queue.poll();
        }

        /** RESOURCE_EXHAUSTED once the subscriber has been dropped for falling behind; otherwise nothing. */
        public void throwIfDropped() {
            if (dropped != null) {
                throw new CriException(ErrorKind.RESOURCE_EXHAUSTED, "container event subscriber "
                        + "dropped: it " + dropped + "; subscribe again and relist");
            }
        }

        /**
         * Runs {@code callback} whenever an event is buffered and when the subscriber is dropped, on the
         * publishing thread: it should only hand the events on ({@link #poll}), never block.
         */
        public void onAvailable(Runnable callback) {
            available = callback;
        }

        /** Whether the subscription still delivers (not closed, not dropped). */
        public boolean open() {
            return !closed && dropped == null;
        }

        private void drop(String reason) {
            if (subscribers.remove(this)) {
                dropped = reason;
                queue.clear();
                LOG.warn("container event subscriber {} dropped: it {}", id, reason);
                available.run();
            }
        }

        @Override
        public void close() {
            closed = true;
            if (subscribers.remove(this)) {
                LOG.debug("event subscriber {} left ({} now)", id, subscribers.size());
            }
        }
    }
}
