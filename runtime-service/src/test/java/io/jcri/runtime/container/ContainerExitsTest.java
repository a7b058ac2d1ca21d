package io.jcri.runtime.container;

import static org.assertj.core.api.Assertions.assertThat;

import io.jcri.cri.v1.ContainerEventType;
import io.jcri.oci.monitor.Conmon;
import io.jcri.runtime.Blocking;
import io.jcri.runtime.events.ContainerLifecycle;
import io.jcri.runtime.state.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.FutureTask;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exit side of the container state machine, without root: conmon's exit files are plain files, and a stop
 * waits on a future the exit watcher completes instead of polling under the container's lock. Timeouts run on the
 * test's clock.
 */
class ContainerExitsTest {
    @TempDir
    Path dir;
    private StateStore<ContainerRecord> store;
    private ContainerExits exits;
    private final List<ContainerEventType> events = new CopyOnWriteArrayList<>();
    private final AtomicLong ticker = new AtomicLong();
    /** A permit each time the clock is read. */
    private final Semaphore reads = new Semaphore(0);

    @BeforeEach
    void setUp() throws Exception {
        store = StateStore.open(dir.resolve("containers"), ContainerRecord.SHAPE);
        Files.createDirectories(dir.resolve("exits"));
        exits = exits(Duration.ofHours(1));
    }

    /** Exits whose waiters look at the exit file every {@code recheck}, on the test's clock. */
    private ContainerExits exits(Duration recheck) {
        Conmon conmon = new Conmon(Path.of("/usr/bin/conmon"), dir.resolve("conmon"), dir.resolve("exits"), Map.of());
        ContainerLifecycle lifecycle = (id, sandboxId, type, at) -> events.add(type);
        return new ContainerExits(store, conmon, lifecycle, () -> {
            reads.release();
            return ticker.get();
        }, recheck);
    }

    @Test
    void aStopWaitingForTheExitWakesWhenTheWatcherReportsIt() throws Exception {
        store.create(running("c1"));
        FutureTask<Boolean> waiting = awaiting(exits, "c1", Duration.ofHours(1));
        assertThat(waiting).isNotDone();
        Files.writeString(dir.resolve("exits/c1"), "137");
        // The waiter looks at the file again only in an hour: only the watcher's report can wake it.
        exits.observed("c1");
        assertThat(waiting.get(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void anExitFileWrittenBeforeTheWaitOrWithoutAnEventIsStillSeen() throws Exception {
        Files.writeString(dir.resolve("exits/c2"), "0");
        assertThat(exits.await("c2", Duration.ofHours(1))).isTrue();
        FutureTask<Boolean> waiting = awaiting(exits(Duration.ofMillis(10)), "c3", Duration.ofHours(1));
        // The watcher's event is lost: the waiter looks at the file again on its own.
        Files.writeString(dir.resolve("exits/c3"), "1");
        assertThat(waiting.get(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void noExitMeansTheWaitEndsAtItsTimeout() throws Exception {
        FutureTask<Boolean> waiting = awaiting(exits(Duration.ofMillis(10)), "c4", Duration.ofMillis(300));
        ticker.addAndGet(Duration.ofMillis(299).toNanos());
        reads.drainPermits();
        assertThat(reads.tryAcquire(2, 30, TimeUnit.SECONDS)).as("the waiter looked at the clock again").isTrue();
        assertThat(waiting).isNotDone();
        ticker.addAndGet(Duration.ofMillis(1).toNanos());
        assertThat(waiting.get(30, TimeUnit.SECONDS)).isFalse();
    }

    /** A wait for the exit of {@code id} on a thread of its own, returned once that thread blocks in it. */
    private FutureTask<Boolean> awaiting(ContainerExits e, String id, Duration timeout) {
        FutureTask<Boolean> waiting = new FutureTask<>(() -> e.await(id, timeout));
        Blocking.awaitBlocked(Thread.ofPlatform().start(waiting));
        return waiting;
    }

    @Test
    void refreshRecordsTheExitOnceAndAViewShowsItWithoutRecording() throws Exception {
        ContainerRecord r = running("c5");
        store.create(r);
        assertThat(exits.exitedView(r)).isEmpty();
        Files.writeString(dir.resolve("exits/c5"), "3");
        ContainerRecord view = exits.exitedView(r).orElseThrow();
        assertThat(view.state()).isEqualTo(ContainerRecord.State.EXITED);
        assertThat(view.status().exitCode()).isEqualTo(3);
        assertThat(view.status().reason()).isEqualTo("Error");
        assertThat(store.get("c5").orElseThrow().state()).isEqualTo(ContainerRecord.State.RUNNING);
        assertThat(events).isEmpty();
        ContainerRecord recorded = exits.refresh(store.get("c5").orElseThrow());
        assertThat(recorded.state()).isEqualTo(ContainerRecord.State.EXITED);
        assertThat(store.get("c5").orElseThrow().status().exitCode()).isEqualTo(3);
        assertThat(exits.refresh(recorded)).isSameAs(recorded);
        assertThat(events).containsExactly(ContainerEventType.CONTAINER_STOPPED_EVENT);
    }

    private static ContainerRecord running(String id) {
        return new ContainerRecord(new ContainerRecord.Meta(id, "pod", "c", 0, 1, "img", "sha256:x", "sha256:x", "",
                Map.of(), Map.of(), new byte[0], "runc", 15, 0, 0, List.of()),
                new ContainerRecord.Status(ContainerRecord.State.RUNNING, 2, 0, 0, "", "", 42, new byte[0]));
    }
}
