package io.jcri.runtime.container;

import static org.assertj.core.api.Assertions.assertThat;

import io.jcri.cri.v1.ContainerEventType;
import io.jcri.oci.monitor.Conmon;
import io.jcri.runtime.events.ContainerLifecycle;
import io.jcri.runtime.state.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exit side of the container state machine, without root: conmon's exit files are plain files, and a stop
 * waits on a future the exit watcher completes instead of polling under the container's lock.
 */
class ContainerExitsTest {
    @TempDir
    Path dir;
    private StateStore<ContainerRecord> store;
    private ContainerExits exits;
    private final List<ContainerEventType> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        store = StateStore.open(dir.resolve("containers"), ContainerRecord.class, ContainerRecord::id);
        Conmon conmon = new Conmon(Path.of("/usr/bin/conmon"), dir.resolve("conmon"), dir.resolve("exits"), Map.of());
        Files.createDirectories(dir.resolve("exits"));
        ContainerLifecycle lifecycle = (id, sandboxId, type, at) -> events.add(type);
        exits = new ContainerExits(store, conmon, lifecycle);
    }

    @Test
    void aStopWaitingForTheExitWakesWhenTheWatcherReportsIt() throws Exception {
        store.put(running("c1"));
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return exits.await("c1", Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        assertThat(waiting).isNotDone();
        Files.writeString(dir.resolve("exits/c1"), "137");
        long start = System.nanoTime();
        exits.observed("c1");
        assertThat(waiting.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(900));
    }

    @Test
    void anExitFileWrittenBeforeTheWaitOrWithoutAnEventIsStillSeen() throws Exception {
        Files.writeString(dir.resolve("exits/c2"), "0");
        assertThat(exits.await("c2", Duration.ofSeconds(1))).isTrue();
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return exits.await("c3", Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        // The watcher's event is lost: the waiter looks at the file again within a second.
        Files.writeString(dir.resolve("exits/c3"), "1");
        assertThat(waiting.get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void noExitMeansTheWaitEndsAtItsTimeout() throws Exception {
        long start = System.nanoTime();
        assertThat(exits.await("c4", Duration.ofMillis(300))).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void refreshRecordsTheExitOnceAndAViewShowsItWithoutRecording() throws Exception {
        ContainerRecord r = running("c5");
        store.put(r);
        assertThat(exits.exitedView(r)).isEmpty();
        Files.writeString(dir.resolve("exits/c5"), "3");
        ContainerRecord view = exits.exitedView(r).orElseThrow();
        assertThat(view.state()).isEqualTo(ContainerRecord.State.EXITED);
        assertThat(view.exitCode()).isEqualTo(3);
        assertThat(view.reason()).isEqualTo("Error");
        assertThat(store.get("c5").orElseThrow().state()).isEqualTo(ContainerRecord.State.RUNNING);
        assertThat(events).isEmpty();
        ContainerRecord recorded = exits.refresh(store.get("c5").orElseThrow());
        assertThat(recorded.state()).isEqualTo(ContainerRecord.State.EXITED);
        assertThat(store.get("c5").orElseThrow().exitCode()).isEqualTo(3);
        assertThat(exits.refresh(recorded)).isSameAs(recorded);
        assertThat(events).containsExactly(ContainerEventType.CONTAINER_STOPPED_EVENT);
    }

    private static ContainerRecord running(String id) {
        return new ContainerRecord(id, "pod", "c", 0, ContainerRecord.State.RUNNING, 1, 2, 0, 0, "", "", "img",
                "sha256:x", "sha256:x", "", 42, Map.of(), Map.of(), new byte[0], new byte[0], "runc", 15, 0, 0,
                List.of());
    }
}
