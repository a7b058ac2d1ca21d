package io.jcri.runtime.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.ContainerEventType;
import io.jcri.cri.v1.ContainerState;
import io.jcri.cri.v1.ContainerStatus;
import io.jcri.oci.OciException;
import io.jcri.oci.runtime.OciRuntime;
import io.jcri.oci.runtime.OciRuntimes;
import io.jcri.oci.spec.OciSpec;
import io.jcri.runtime.Blocking;
import io.jcri.runtime.FakeContainerMonitor;
import io.jcri.runtime.sandbox.PodSandboxes;
import io.jcri.runtime.sandbox.SandboxRecord;
import io.jcri.runtime.sandbox.SandboxState;
import io.jcri.runtime.state.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container state machine (start, stop, remove, status, recovery) against a fake runtime, monitor, mounter,
 * pods and clocks: no root, no conmon, no mounts. Containers are put in the store as a create would leave them.
 */
class ContainerServiceTest {
    private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");
    private static final long NOW_NANOS = NOW.getEpochSecond() * 1_000_000_000L;

    @TempDir
    Path dir;
    private StateStore<ContainerRecord> store;
    private final FakeRuntime runtime = new FakeRuntime();
    private FakeContainerMonitor monitor;
    private final FakePods pods = new FakePods();
    private final List<String> unmounted = new CopyOnWriteArrayList<>();
    private final List<ContainerEventType> events = new CopyOnWriteArrayList<>();
    /** The monotonic clock of grace periods, moved by the test. */
    private final AtomicLong ticker = new AtomicLong();
    private ContainerService service;

    @BeforeEach
    void setUp() {
        store = StateStore.open(dir.resolve("containers"), ContainerRecord.SHAPE);
        monitor = new FakeContainerMonitor(dir, NOW_NANOS, step -> { });
        service = newService();
        pods.put(pod("pod1", SandboxState.READY));
    }

    private ContainerService newService() {
        RootfsMounter mounter = new RootfsMounter() {
            @Override
            public Path mount(Path containerDir, List<Path> layers) {
                throw new AssertionError("no create here");
            }

            @Override
            public Path mountImageVolume(Path containerDir, int index, List<Path> layers) {
                throw new AssertionError("no create here");
            }

            @Override
            public void unmount(Path containerDir) {
                unmounted.add(containerDir.getFileName().toString());
            }
        };
        // Images, exec and specs belong to create, exec and updates, which other tests cover.
        ContainerService s = new ContainerService(store, pods, null, OciRuntimes.of(Map.of("runc", runtime)), monitor,
                null, null, mounter, io.jcri.oci.checkpoint.Criu.unavailable("no CRIU in unit tests"),
                new io.jcri.runtime.cdi.CdiRegistry(List.of()), (id, sandboxId, type, at) -> events.add(type),
                Clock.fixed(NOW, ZoneOffset.UTC), ticker::get);
        return s;
    }

    @Test
    void startRunsACreatedContainerAndRecordsTheClocksTime() {
        store.create(record("c1", ContainerRecord.State.CREATED));
        service.start("c1");
        ContainerStatus st = service.status("c1", false).getStatus();
        assertThat(st.getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertThat(st.getStartedAt()).isEqualTo(NOW_NANOS);
        assertThat(runtime.calls).containsExactly("start c1");
        assertThat(events).containsExactly(ContainerEventType.CONTAINER_STARTED_EVENT);
        assertThatThrownBy(() -> service.start("c1")).isInstanceOfSatisfying(CriException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION));
    }

    @Test
    void aStartTheRuntimeRefusesLeavesTheContainerExitedWithStartError() {
        store.create(record("c1", ContainerRecord.State.CREATED));
        runtime.startFails = true;
        assertThatThrownBy(() -> service.start("c1")).isInstanceOfSatisfying(CriException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.INTERNAL));
        ContainerStatus st = service.status("c1", false).getStatus();
        assertThat(st.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        assertThat(st.getExitCode()).isEqualTo(128);
        assertThat(st.getReason()).isEqualTo("StartError");
        assertThat(events).containsExactly(ContainerEventType.CONTAINER_STOPPED_EVENT);
    }

    @Test
    void nothingStartsInAPodThatIsNotReady() {
        pods.put(pod("pod1", SandboxState.NOTREADY));
        store.create(record("c1", ContainerRecord.State.CREATED));
        assertThatThrownBy(() -> service.start("c1")).isInstanceOfSatisfying(CriException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION));
        assertThat(runtime.calls).isEmpty();
    }

    @Test
    void aContainerThatEndsOnItsStopSignalIsRecordedWithItsExitCode() {
        store.create(record("c1", ContainerRecord.State.RUNNING));
        runtime.onSignal = (signal) -> signal == 15 ? 143 : null;
        service.stop("c1", 30);
        ContainerStatus st = service.status("c1", false).getStatus();
        assertThat(st.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        assertThat(st.getExitCode()).isEqualTo(143);
        assertThat(st.getReason()).isEqualTo("Error");
        assertThat(runtime.calls).containsExactly("kill c1 15");
    }

    @Test
    void readsAnswerWhileAStopWaitsOutTheGracePeriodThenSigkillEndsIt() throws Exception {
        store.create(record("c1", ContainerRecord.State.RUNNING));
        runtime.onSignal = (signal) -> signal == 9 ? 137 : null;
        FutureTask<Void> stop = new FutureTask<>(() -> service.stop("c1", 2), null);
        Blocking.awaitBlocked(Thread.ofPlatform().start(stop));
        assertThat(runtime.calls).containsExactly("kill c1 15");
        // The stop waits for the exit holding nothing: status and list do not queue behind it.
        assertThat(service.status("c1", false).getStatus().getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertThat(service.list(io.jcri.cri.v1.ContainerFilter.getDefaultInstance())).hasSize(1);
        assertThat(stop).isNotDone();
        ticker.addAndGet(Duration.ofSeconds(2).toNanos());
        stop.get(30, TimeUnit.SECONDS);
        assertThat(runtime.calls).containsExactly("kill c1 15", "kill-all c1 9");
        ContainerStatus st = service.status("c1", false).getStatus();
        assertThat(st.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        assertThat(st.getExitCode()).isEqualTo(137);
    }

    @Test
    void aSecondStopJoinsTheFirstWithoutSignallingAgainAndKillsWhenItsOwnGracePeriodEnds() throws Exception {
        store.create(record("c1", ContainerRecord.State.RUNNING));
        runtime.onSignal = (signal) -> signal == 9 ? 137 : null;
        FutureTask<Void> first = new FutureTask<>(() -> service.stop("c1", 300), null);
        Blocking.awaitBlocked(Thread.ofPlatform().start(first));
        FutureTask<Void> second = new FutureTask<>(() -> service.stop("c1", 1), null);
        Blocking.awaitBlocked(Thread.ofPlatform().start(second));
        assertThat(runtime.calls).containsExactly("kill c1 15");
        ticker.addAndGet(Duration.ofSeconds(1).toNanos());
        second.get(30, TimeUnit.SECONDS);
        first.get(30, TimeUnit.SECONDS);
        assertThat(runtime.calls).as("the stop signal once, then the second stop's kill")
                .containsExactly("kill c1 15", "kill-all c1 9");
        assertThat(service.status("c1", false).getStatus().getExitCode()).isEqualTo(137);
    }

    @Test
    void reopenLogReturnsOnceTheMonitorMadeTheNewFile() throws Exception {
        Path log = dir.resolve("logs/c1.log");
        store.create(record("c1", ContainerRecord.State.RUNNING, log.toString()));
        monitor.onReopen(() -> {
            try {
                Files.createDirectories(log.getParent());
                Files.createFile(log);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        service.reopenLog("c1");
        assertThat(log).exists();
    }

    @Test
    void reopenLogFailsWhereKubeletSeesItWhenTheNewFileNeverAppears() {
        Path log = dir.resolve("logs/c1.log");
        store.create(record("c1", ContainerRecord.State.RUNNING, log.toString()));
        FutureTask<Void> reopen = new FutureTask<>(() -> service.reopenLog("c1"), null);
        Blocking.awaitBlocked(Thread.ofPlatform().start(reopen));
        ticker.addAndGet(Duration.ofSeconds(5).toNanos());
        assertThatThrownBy(() -> reopen.get(30, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(CriException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.DEADLINE_EXCEEDED)).hasMessageContaining(log.toString());
    }

    @Test
    void stoppingAStoppedOrUnknownContainerDoesNothing() {
        store.create(record("c1", ContainerRecord.State.RUNNING));
        monitor.exit("c1", 0);
        service.stop("c1", 10);
        service.stop("c1", 10);
        service.stop("nosuch", 10);
        assertThat(runtime.calls).isEmpty();
        assertThat(service.status("c1", false).getStatus().getReason()).isEqualTo("Completed");
        assertThat(events).containsExactly(ContainerEventType.CONTAINER_STOPPED_EVENT);
    }

    @Test
    void removeKillsDeletesUnmountsAndForgetsAndCanBeRepeated() {
        store.create(record("c1", ContainerRecord.State.RUNNING));
        runtime.onSignal = (signal) -> signal == 9 ? 137 : null;
        service.remove("c1");
        assertThat(runtime.calls).containsExactly("kill-all c1 9", "delete c1");
        assertThat(unmounted).containsExactly("c1");
        assertThat(monitor.forgotten()).containsExactly("c1");
        assertThat(store.get("c1")).isEmpty();
        assertThat(events).containsExactly(ContainerEventType.CONTAINER_STOPPED_EVENT,
                ContainerEventType.CONTAINER_DELETED_EVENT);
        assertThatThrownBy(() -> service.status("c1", false)).isInstanceOfSatisfying(CriException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND));
        service.remove("c1");
        assertThat(runtime.calls).hasSize(2);
    }

    @Test
    void recoveryBringsEveryRecordUpToDateAndUndoesHalfMadeCreates() throws Exception {
        store.create(record("exited-away", ContainerRecord.State.RUNNING));
        monitor.exit("exited-away", 3);
        store.create(record("monitor-gone", ContainerRecord.State.RUNNING));
        store.create(record("still-running", ContainerRecord.State.RUNNING));
        monitor.running("still-running");
        store.create(record("started-unrecorded", ContainerRecord.State.CREATED));
        monitor.running("started-unrecorded");
        runtime.running.add("started-unrecorded");
        Files.createDirectories(store.dirOf("half-made"));

        ContainerService restarted = newService();
        restarted.recover();

        assertThat(state(restarted, "exited-away").getExitCode()).isEqualTo(3);
        ContainerStatus gone = state(restarted, "monitor-gone");
        assertThat(gone.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        assertThat(gone.getExitCode()).isEqualTo(255);
        assertThat(gone.getReason()).isEqualTo("Unknown");
        assertThat(gone.getFinishedAt()).isEqualTo(NOW_NANOS);
        assertThat(state(restarted, "still-running").getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        ContainerStatus caughtUp = state(restarted, "started-unrecorded");
        assertThat(caughtUp.getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertThat(caughtUp.getStartedAt()).isEqualTo(NOW_NANOS);
        assertThat(runtime.calls).contains("delete half-made");
        assertThat(unmounted).containsExactly("half-made");
        assertThat(monitor.forgotten()).containsExactly("half-made");
        assertThat(store.dirOf("half-made")).doesNotExist();
    }

    private static ContainerStatus state(ContainerService s, String id) {
        return s.status(id, false).getStatus();
    }

    private static ContainerRecord record(String id, ContainerRecord.State state) {
        return record(id, state, "");
    }

    private static ContainerRecord record(String id, ContainerRecord.State state, String logPath) {
        return new ContainerRecord(new ContainerRecord.Meta(id, "pod1", "name-" + id, 0, 1, "img", "sha256:x",
                "sha256:x", logPath, Map.of(), Map.of(), new byte[0], "runc", 15, 0, 0, List.of()),
                new ContainerRecord.Status(state, state == ContainerRecord.State.CREATED ? 0 : 2, 0, 0, "", "", 42,
                        new byte[0]));
    }

    private static SandboxRecord pod(String id, SandboxState state) {
        return new SandboxRecord(new SandboxRecord.Meta(id, "pod", "ns", "uid", 0, 1, Map.of(), Map.of(),
                new byte[0], "runc", "", "", "", "podhost", "", "", "", "", "", ""),
                new SandboxRecord.Status(state, "", List.of(), 0, ""));
    }

    /** A runtime that records its calls; a signal may end the container, as {@link #onSignal} says. */
    private final class FakeRuntime implements OciRuntime {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final Set<String> running = ConcurrentHashMap.newKeySet();
        volatile boolean startFails;
        /** The exit code a signal ends the container with, or null when the container ignores it. */
        volatile Function<Integer, Integer> onSignal = signal -> null;

        @Override
        public String handler() {
            return "runc";
        }

        @Override
        public Path executable() {
            return Path.of("/fake/runc");
        }

        @Override
        public List<String> globalArgs() {
            return List.of();
        }

        @Override
        public Optional<String> recursiveReadOnlyProblem() {
            return Optional.empty();
        }

        @Override
        public Optional<String> problem() {
            return Optional.empty();
        }

        @Override
        public void start(String id) {
            calls.add("start " + id);
            if (startFails) {
                throw new OciException("exec: \"nosuch\": executable file not found in $PATH");
            }
        }

        @Override
        public Optional<io.jcri.oci.runtime.ContainerState> state(String id) {
            return running.contains(id) ? Optional.of(new io.jcri.oci.runtime.ContainerState(id, "running", 42))
                    : Optional.of(new io.jcri.oci.runtime.ContainerState(id, "created", 42));
        }

        @Override
        public void kill(String id, int signal, boolean all) {
            calls.add((all ? "kill-all " : "kill ") + id + " " + signal);
            Integer code = onSignal.apply(signal);
            if (code != null) {
                // As the exit watcher would report conmon's exit file, a moment later.
                CompletableFuture.runAsync(() -> {
                    monitor.exit(id, code);
                    service.exitObserved(id);
                }, CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS));
            }
        }

        @Override
        public void delete(String id) {
            calls.add("delete " + id);
        }

        @Override
        public void checkpoint(String id, Path imageDir, Path workDir, Map<String, String> env,
                               java.time.Duration timeout) {
            throw new UnsupportedOperationException("checkpoint");
        }

        @Override
        public void resume(String id) {
            throw new UnsupportedOperationException("resume");
        }

        @Override
        public void update(String id, OciSpec.Resources resources) {
            calls.add("update " + id);
        }
    }

    /** Pods by id; a pod is held ready only while its record says READY. */
    private static final class FakePods implements PodSandboxes {
        private final Map<String, SandboxRecord> byId = new ConcurrentHashMap<>();

        void put(SandboxRecord r) {
            byId.put(r.id(), r);
        }

        @Override
        public SandboxRecord require(String idOrPrefix) {
            SandboxRecord r = byId.get(idOrPrefix);
            if (r == null) {
                throw CriException.notFound("pod sandbox '" + idOrPrefix + "' not found");
            }
            return r;
        }

        @Override
        public <T> T whileReady(String idOrPrefix, Function<SandboxRecord, T> body) {
            SandboxRecord r = require(idOrPrefix);
            if (r.state() != SandboxState.READY) {
                throw new CriException(ErrorKind.FAILED_PRECONDITION, "pod sandbox " + r.id()
                        + " is not ready");
            }
            return body.apply(r);
        }

        @Override
        public boolean userNamespaces(String handler) {
            return false;
        }

        @Override
        public String resolveHandler(String handler) {
            return handler.isEmpty() ? "runc" : handler;
        }
    }
}
