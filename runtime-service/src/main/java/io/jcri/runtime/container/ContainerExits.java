package io.jcri.runtime.container;

import io.jcri.cri.v1.ContainerEventType;
import io.jcri.oci.monitor.ContainerMonitor;
import io.jcri.runtime.events.ContainerLifecycle;
import io.jcri.runtime.state.StateStore;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What is known of containers' exits: conmon's exit files, turned into EXITED records, and a future per
 * container that a stop waits on without holding the container's lock. The exit watcher completes the futures
 * as soon as an exit file appears; waiters also look at the file now and then, so a missed inotify event only
 * delays them.
 */
final class ContainerExits {
    private static final Logger LOG = LoggerFactory.getLogger(ContainerExits.class);
    /** How often a waiter looks at the exit file itself, should the watcher's event have been lost. */
    static final Duration RECHECK = Duration.ofSeconds(1);

    private final StateStore<ContainerRecord> store;
    private final ContainerMonitor monitor;
    private final ContainerLifecycle lifecycle;
    private final LongSupplier ticker;
    private final long recheckMillis;
    private final ConcurrentMap<String, CompletableFuture<Void>> waiters = new ConcurrentHashMap<>();

    /**
     * @param ticker  monotonic nanoseconds ({@code System::nanoTime}) that wait timeouts are measured on
     * @param recheck how often a waiter looks at the exit file itself ({@link #RECHECK})
     */
    ContainerExits(StateStore<ContainerRecord> store, ContainerMonitor monitor, ContainerLifecycle lifecycle,
                   LongSupplier ticker, Duration recheck) {
        this.store = store;
        this.monitor = monitor;
        this.lifecycle = lifecycle;
        this.ticker = ticker;
        this.recheckMillis = recheck.toMillis();
    }

    /** Whether conmon has recorded the exit of container {@code id}. */
    boolean exited(String id) {
        return monitor.exitCode(id).isPresent();
    }

    /** Wakes whoever waits for the exit of {@code id}: its exit file appeared. */
    void observed(String id) {
        CompletableFuture<Void> f = waiters.remove(id);
        if (f != null) {
            f.complete(null);
        }
    }

    /** Waits up to {@code timeout} for container {@code id} to exit, holding no lock; true once it has. */
    boolean await(String id, Duration timeout) throws InterruptedException {
        long deadline = ticker.getAsLong() + timeout.toNanos();
        while (true) {
            CompletableFuture<Void> f = waiters.computeIfAbsent(id, k -> new CompletableFuture<>());
            // Checked after registering: an exit file written in between completes the future, one written
            // before is seen here.
            if (exited(id)) {
                return true;
            }
            long left = deadline - ticker.getAsLong();
            if (left <= 0) {
                return false;
            }
            try {
                f.get(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, recheckMillis), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // Look at the file again, in case the watcher's event was lost.
            } catch (ExecutionException e) {
                throw new IllegalStateException("exit futures are only ever completed normally", e);
            }
        }
    }

    /**
     * Moves a created or running container whose exit file exists to EXITED and records it; callers hold its
     * lock.
     */
    ContainerRecord refresh(ContainerRecord r) {
        Optional<ContainerRecord> exited = exitedView(r);
        if (exited.isEmpty()) {
            return r;
        }
        ContainerRecord e = exited.get();
        store.update(e);
        lifecycle.changed(r.id(), r.sandboxId(), ContainerEventType.CONTAINER_STOPPED_EVENT, e.status().finishedAt());
        LOG.info("container {}: exited with {} ({})", r.id(), e.status().exitCode(), e.status().reason());
        return e;
    }

    /** What the record of a container that conmon saw exit will say, without recording it. */
    Optional<ContainerRecord> exitedView(ContainerRecord r) {
        if (r.state() == ContainerRecord.State.EXITED) {
            return Optional.empty();
        }
        Optional<Integer> code = monitor.exitCode(r.id());
        if (code.isEmpty()) {
            return Optional.empty();
        }
        boolean oom = monitor.oomKilled(r.id(), store.dirOf(r.id()));
        String reason = oom ? "OOMKilled" : code.get() == 0 ? "Completed" : "Error";
        return Optional.of(r.exited(Math.max(monitor.exitedAtNanos(r.id()), r.status().startedAt()), code.get(),
                reason, ""));
    }
}
