package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.Container;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.ContainerEventResponse;
import io.jcri.cri.v1.ContainerEventType;
import io.jcri.cri.v1.ContainerStatsRequest;
import io.jcri.cri.v1.ContainerStatusRequest;
import io.jcri.cri.v1.CreateContainerRequest;
import io.jcri.cri.v1.ExecSyncRequest;
import io.jcri.cri.v1.ExecSyncResponse;
import io.jcri.cri.v1.GetEventsRequest;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.ImageStatusRequest;
import io.jcri.cri.v1.ListContainerStatsRequest;
import io.jcri.cri.v1.ListContainersRequest;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.ListPodSandboxStatsRequest;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxStatusRequest;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.cri.v1.RemoveContainerRequest;
import io.jcri.cri.v1.RemoveImageRequest;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.RunPodSandboxRequest;
import io.jcri.cri.v1.StartContainerRequest;
import io.jcri.cri.v1.StopContainerRequest;
import io.jcri.cri.v1.StopPodSandboxRequest;
import io.jcri.cri.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import io.jcri.e2e.ImageBuilder.Compression;
import io.jcri.e2e.ImageBuilder.Format;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * One daemon driven the way kubelet drives it on a full node, for a while: {@code jcri.soak.pods} pods (30; a
 * full node has 110) of two containers each, an exec probe per container every few seconds (a third of them
 * leave a background child holding the probe's stdout), the lists, statuses and stats kubelet polls every second,
 * container events subscribed throughout, containers that ignore SIGTERM stopped with a grace period while their
 * status is polled, pods recreated in churn, and an image removed while containers are created from another.
 * Runs {@code jcri.soak.seconds} (90) and stops by itself. It prints every call's p50/p99/max and asserts that
 * status and list calls answer within two seconds (far below a stop's grace period), that probes succeed before
 * their timeout, and that once every pod is gone the daemon's threads, descriptors and heap are back near where
 * they were and nothing is left on the host.
 */
class KubeletSoakTest {
    private static final int PODS = Integer.getInteger("jcri.soak.pods", 30);
    private static final Duration RUN = Duration.ofSeconds(Integer.getInteger("jcri.soak.seconds", 90));
    /**
     * Far below the shortest grace period of a stubborn stop (5 s), so a read that waited for one fails, and far
     * above what a loaded 2-core CI machine shows (max ~250 ms), so a GC pause or a busy neighbour does not.
     */
    private static final Duration STATUS_BOUND = Duration.ofSeconds(2);
    private static final Duration PROBE_PERIOD = Duration.ofSeconds(5);
    private static final int PROBE_TIMEOUT_SECONDS = 5;
    private static final Duration POD_LIFE_MIN = Duration.ofSeconds(15);
    private static final Duration POD_LIFE_MAX = Duration.ofSeconds(45);
    /** Pods start spread over this, as a node fills; kubelet starts them in parallel all the same. */
    private static final Duration RAMP = Duration.ofSeconds(10);
    private static final Duration STOPPING_POLL = Duration.ofMillis(200);
    /** How long the daemon may take after the last pod is gone to give back what it held (idle carriers, JIT). */
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private static final long THREAD_MARGIN = 8;
    private static final long FD_MARGIN = 8;
    private static final long HEAP_MARGIN_KIB = 8 << 10;
    /** Calls that kubelet makes every second and expects answered at once, whatever else the node does. */
    private static final Set<String> STATUS_CALLS = Set.of("ListPodSandbox", "ListContainers", "ListContainerStats",
            "ListPodSandboxStats", "ContainerStats", "ContainerStatus", "ContainerStatus (stopping)",
            "PodSandboxStatus");
    /** The processes of the soak's containers carry these in their command lines, to count leftovers. */
    private static final String APP = "sleep 60193";
    private static final String STUBBORN = "sleep 60194";
    private static final String PROBE_CHILD = "sleep 60195";
    private static final Duration CALL_DEADLINE = Duration.ofSeconds(60);

    private final CallTimes times = new CallTimes();
    /** Running containers by id, with their pod's id: what the status pollers pick from. */
    private final Map<String, String> live = new ConcurrentHashMap<>();
    private final Set<String> livePods = ConcurrentHashMap.newKeySet();
    private final Set<String> created = ConcurrentHashMap.newKeySet();
    private final Set<String> removed = ConcurrentHashMap.newKeySet();
    private final Map<ContainerEventType, Set<String>> seen = new ConcurrentHashMap<>();
    private final AtomicInteger creating = new AtomicInteger();
    private final AtomicInteger removalsDuringCreates = new AtomicInteger();
    private final AtomicLong peakThreads = new AtomicLong();
    private final AtomicLong peakFds = new AtomicLong();
    private final AtomicReference<String> eventStreamEnd = new AtomicReference<>();

    private CriClients cri;
    private CountedDaemon rig;
    private volatile long end;

    @Test
    void aFullNodeIsServedWithinBoundsAndLeavesNothingBehind() throws Exception {
        CountedDaemon.assumeUsable();
        try (CountedDaemon daemon = new CountedDaemon("soak", 76, Map.of()); CriClients c = daemon.client()) {
            rig = daemon;
            cri = c;
            rig.pull(c);
            String doomed = rig.push("doomed", ImageBuilder.tar().dir("doomed", 0755)
                    .file("doomed/marker", 0644, "removed while others start\n".getBytes(StandardCharsets.UTF_8))
                    .layer(Compression.GZIP, Format.OCI));
            long pid = rig.jcri().process().pid();
            // One pod's whole life first, so that what the daemon starts lazily is there before the baseline.
            CallTimes warmUp = new CallTimes();
            end = System.nanoTime() + Duration.ofSeconds(12).toNanos();
            new Slot(-1).cycle(Duration.ofSeconds(12), warmUp);
            created.clear();
            removed.clear();
            Thread.sleep(3000);
            DaemonFigures before = DaemonFigures.of(pid);
            CountedDaemon.Footprint footprintBefore = rig.footprint();
            long leftoversBefore = processes();

            Context.CancellableContext events = Context.current().withCancellation();
            ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
            long start = System.nanoTime();
            end = start + RUN.toNanos();
            List<Future<?>> work = new ArrayList<>();
            try {
                work.add(pool.submit(() -> events.run(this::watchEvents)));
                // The subscription is made as the call reaches the daemon; containers are created after it.
                Thread.sleep(1000);
                for (int i = 0; i < PODS; i++) {
                    int n = i;
                    work.add(pool.submit(() -> {
                        Thread.sleep(RAMP.toMillis() * n / PODS);
                        new Slot(n).run();
                        return null;
                    }));
                }
                work.add(pool.submit(this::pollLikeKubelet));
                work.add(pool.submit(() -> churnImage(doomed)));
                work.add(pool.submit(() -> sample(pid)));
                for (Future<?> f : work.subList(1, work.size())) {
                    f.get(RUN.toSeconds() + 300, TimeUnit.SECONDS);
                }
            } finally {
                events.cancel(null);
                pool.shutdownNow();
                assertThat(pool.awaitTermination(1, TimeUnit.MINUTES)).as("soak clients finish").isTrue();
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            List<Container> leftContainers = c.runtime().listContainers(ListContainersRequest.getDefaultInstance())
                    .getContainersList();
            int leftPods = c.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount();
            Containers.removeAll(c);
            Pods.removeAll(c);

            long settleStart = System.nanoTime();
            DaemonFigures after;
            do {
                Thread.sleep(5000);
                after = DaemonFigures.of(pid);
            } while (!near(before, after) && System.nanoTime() - settleStart < SETTLE.toNanos());
            Duration settled = Duration.ofNanos(System.nanoTime() - settleStart);
            CountedDaemon.Footprint footprintAfter = rig.footprint();
            long leftoversAfter = processes();

            System.out.printf("soak: %d pods x 2 containers for %d s (ran %d s), %d containers created%n", PODS,
                    RUN.toSeconds(), took.toSeconds(), created.size());
            System.out.print(times.table());
            times.failures().forEach((rpc, f) -> System.out.printf("soak: %s: %s%n", rpc, f));
            warmUp.failures().forEach((rpc, f) -> System.out.printf("soak: warm-up %s: %s%n", rpc, f));
            System.out.printf("soak: daemon before %s, peak threads %d fds %d, after %s (%d s after the last pod)%n",
                    before, peakThreads.get(), peakFds.get(), after, settled.toSeconds());
            System.out.printf("soak: footprint before %s after %s; soak processes before %d after %d%n",
                    footprintBefore, footprintAfter, leftoversBefore, leftoversAfter);
            System.out.printf("soak: %d RemoveImage calls overlapped a CreateContainer; events %s; stream end: %s%n",
                    removalsDuringCreates.get(), eventCounts(), eventStreamEnd.get());

            SoftAssertions soft = new SoftAssertions();
            for (String rpc : times.rpcs()) {
                if (STATUS_CALLS.contains(rpc)) {
                    soft.assertThat(times.summary(rpc).max()).as("slowest %s", rpc).isLessThanOrEqualTo(STATUS_BOUND);
                }
                if (rpc.startsWith("ExecSync")) {
                    soft.assertThat(times.summary(rpc).max()).as("slowest %s (probe timeout %d s)", rpc,
                            PROBE_TIMEOUT_SECONDS).isLessThan(Duration.ofSeconds(PROBE_TIMEOUT_SECONDS));
                }
            }
            soft.assertThat(times.failures()).as("failed calls").isEmpty();
            soft.assertThat(warmUp.failures()).as("failed calls of the warm-up pod").isEmpty();
            soft.assertThat(removalsDuringCreates.get()).as("RemoveImage while containers were created")
                    .isPositive();
            soft.assertThat(eventStreamEnd.get()).as("the event stream lasted the whole run").isNull();
            soft.assertThat(seen.getOrDefault(ContainerEventType.CONTAINER_CREATED_EVENT, Set.of()))
                    .as("CREATED events").containsAll(created);
            soft.assertThat(seen.getOrDefault(ContainerEventType.CONTAINER_DELETED_EVENT, Set.of()))
                    .as("DELETED events").containsAll(removed);
            soft.assertThat(leftContainers).as("containers left by the soak").isEmpty();
            soft.assertThat(leftPods).as("pods left by the soak").isZero();
            soft.assertThat(after.threads()).as("daemon threads after (before %d)", before.threads())
                    .isLessThanOrEqualTo(before.threads() + THREAD_MARGIN);
            soft.assertThat(after.fds()).as("daemon descriptors after (before %d)", before.fds())
                    .isLessThanOrEqualTo(before.fds() + FD_MARGIN);
            soft.assertThat(after.heapKib()).as("daemon heap KiB after a full GC (before %d)", before.heapKib())
                    .isLessThanOrEqualTo(heapBound(before));
            soft.assertThat(footprintAfter).as("what pods leave on the host").isEqualTo(footprintBefore);
            soft.assertThat(leftoversAfter).as("container processes left").isEqualTo(leftoversBefore);
            soft.assertAll();
        }
    }

    private static boolean near(DaemonFigures before, DaemonFigures after) {
        return after.threads() <= before.threads() + THREAD_MARGIN && after.fds() <= before.fds() + FD_MARGIN
                && after.heapKib() <= heapBound(before);
    }

    private static long heapBound(DaemonFigures before) {
        return before.heapKib() + Math.max(HEAP_MARGIN_KIB, before.heapKib() / 4);
    }

    private boolean running() {
        return System.nanoTime() < end;
    }

    private RuntimeServiceBlockingStub runtime(Duration deadline) {
        return cri.runtime().withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void pause(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }

    /** One pod place on the node: a pod lives a while, goes, and a new one takes its place, until the end. */
    private final class Slot {
        private final int index;
        private int generation;

        Slot(int index) {
            this.index = index;
        }

        void run() throws InterruptedException {
            while (running()) {
                long lifeMillis = ThreadLocalRandom.current().nextLong(POD_LIFE_MIN.toMillis(),
                        POD_LIFE_MAX.toMillis());
                cycle(Duration.ofMillis(lifeMillis), times);
            }
        }

        /** Runs a pod of two containers, probes them for {@code life} (or to the end), then stops and removes it. */
        void cycle(Duration life, CallTimes t) throws InterruptedException {
            String name = "soak" + index + "-" + generation++;
            PodSandboxConfig pod = Pods.config(name).setLogDirectory(rig.jcri().dir().resolve("logs/" + name)
                    .toString()).build();
            String podId = null;
            List<String> ids = new ArrayList<>();
            List<Thread> probes = new ArrayList<>();
            try {
                podId = t.time("RunPodSandbox", () -> runtime(CALL_DEADLINE).runPodSandbox(
                        RunPodSandboxRequest.newBuilder().setConfig(pod).build()).getPodSandboxId());
                livePods.add(podId);
                // The app ends on SIGTERM; the stubborn one ignores it and is killed when its grace period is over.
                String app = start(t, podId, pod, Containers.config("app", CountedDaemon.IMAGE, "sh", "-c",
                        "trap 'exit 0' TERM; " + APP + " & wait"));
                ids.add(app);
                String stubborn = start(t, podId, pod, Containers.config("stubborn", CountedDaemon.IMAGE, "sh", "-c",
                        "trap '' TERM; exec " + STUBBORN));
                ids.add(stubborn);
                long lifeEnd = Math.min(end, System.nanoTime() + life.toNanos());
                for (String id : ids) {
                    probes.add(Thread.ofVirtual().start(() -> probe(t, id, lifeEnd)));
                }
                for (Thread probe : probes) {
                    probe.join();
                }
            } catch (StatusRuntimeException e) {
                t.failed("pod " + name, e);
            } finally {
                for (Thread probe : probes) {
                    probe.interrupt();
                    probe.join();
                }
                tearDown(t, podId, ids);
            }
        }

        private String start(CallTimes t, String podId, PodSandboxConfig pod, ContainerConfig.Builder config) {
            creating.incrementAndGet();
            String id;
            try {
                id = t.time("CreateContainer", () -> runtime(CALL_DEADLINE).createContainer(
                        CreateContainerRequest.newBuilder().setPodSandboxId(podId).setConfig(config)
                                .setSandboxConfig(pod).build()).getContainerId());
            } finally {
                creating.decrementAndGet();
            }
            created.add(id);
            t.time("StartContainer", () -> runtime(CALL_DEADLINE).startContainer(
                    StartContainerRequest.newBuilder().setContainerId(id).build()));
            live.put(id, podId);
            return id;
        }

        /** Stops both containers at once (the stubborn one with a grace period, its status polled), then the pod. */
        private void tearDown(CallTimes t, String podId, List<String> ids) throws InterruptedException {
            ids.forEach(live::remove);
            if (podId != null) {
                livePods.remove(podId);
            }
            List<Thread> stops = new ArrayList<>();
            for (String id : ids) {
                long grace = ThreadLocalRandom.current().nextLong(5, 11);
                stops.add(Thread.ofVirtual().start(() -> stopWhilePolled(t, id, grace)));
            }
            for (Thread s : stops) {
                s.join();
            }
            for (String id : ids) {
                call(t, "RemoveContainer", () -> runtime(CALL_DEADLINE).removeContainer(
                        RemoveContainerRequest.newBuilder().setContainerId(id).build()));
                removed.add(id);
            }
            if (podId != null) {
                String p = podId;
                call(t, "StopPodSandbox", () -> runtime(CALL_DEADLINE).stopPodSandbox(
                        StopPodSandboxRequest.newBuilder().setPodSandboxId(p).build()));
                call(t, "RemovePodSandbox", () -> runtime(CALL_DEADLINE).removePodSandbox(
                        RemovePodSandboxRequest.newBuilder().setPodSandboxId(p).build()));
            }
        }
    }

    /** A call whose failure is recorded rather than thrown, for teardown that must go on. */
    private static void call(CallTimes t, String rpc, Runnable call) {
        try {
            t.time(rpc, () -> {
                call.run();
                return null;
            });
        } catch (StatusRuntimeException e) {
            t.failed(rpc, e);
        }
    }

    private void stopWhilePolled(CallTimes t, String id, long graceSeconds) {
        Thread poller = Thread.ofVirtual().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    t.time("ContainerStatus (stopping)", () -> runtime(Duration.ofSeconds(30)).containerStatus(
                            ContainerStatusRequest.newBuilder().setContainerId(id).build()));
                    pause(STOPPING_POLL);
                } catch (StatusRuntimeException e) {
                    if (Thread.currentThread().isInterrupted()) {
                        return;
                    }
                    t.failed("ContainerStatus (stopping)", e);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try {
            call(t, "StopContainer", () -> runtime(Duration.ofSeconds(graceSeconds + 30)).stopContainer(
                    StopContainerRequest.newBuilder().setContainerId(id).setTimeout(graceSeconds).build()));
        } finally {
            poller.interrupt();
        }
    }

    /** A liveness probe as kubelet runs it: ExecSync with a timeout, every period, until {@code until}. */
    private void probe(CallTimes t, String id, long until) {
        try {
            while (System.nanoTime() < until) {
                long period = PROBE_PERIOD.toMillis() * 3 / 4
                        + ThreadLocalRandom.current().nextLong(PROBE_PERIOD.toMillis() / 2);
                Thread.sleep(Math.min(period, Math.max(0, (until - System.nanoTime()) / 1_000_000)));
                if (System.nanoTime() >= until) {
                    return;
                }
                boolean background = ThreadLocalRandom.current().nextInt(3) == 0;
                String rpc = background ? "ExecSync (background child)" : "ExecSync";
                String script = background ? PROBE_CHILD + " & echo ok" : "echo ok";
                try {
                    ExecSyncResponse r = t.time(rpc, () -> runtime(Duration.ofSeconds(PROBE_TIMEOUT_SECONDS + 30))
                            .execSync(ExecSyncRequest.newBuilder().setContainerId(id).addCmd("sh").addCmd("-c")
                                    .addCmd(script).setTimeout(PROBE_TIMEOUT_SECONDS).build()));
                    if (r.getExitCode() != 0 || !r.getStdout().toStringUtf8().equals("ok\n")) {
                        t.failed(rpc, "exit " + r.getExitCode() + ", stdout '" + r.getStdout().toStringUtf8()
                                + "', stderr '" + r.getStderr().toStringUtf8() + "'");
                    }
                } catch (StatusRuntimeException e) {
                    if (Thread.currentThread().isInterrupted()) {
                        return;
                    }
                    t.failed(rpc, e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Every second: the relist kubelet's PLEG makes, stats, and the statuses of a few pods and containers. */
    private Void pollLikeKubelet() throws InterruptedException {
        while (running()) {
            long next = System.nanoTime() + 1_000_000_000L;
            status("ListPodSandbox", () -> runtime(Duration.ofSeconds(30)).listPodSandbox(
                    ListPodSandboxRequest.getDefaultInstance()));
            status("ListContainers", () -> runtime(Duration.ofSeconds(30)).listContainers(
                    ListContainersRequest.getDefaultInstance()));
            status("ListContainerStats", () -> runtime(Duration.ofSeconds(30)).listContainerStats(
                    ListContainerStatsRequest.getDefaultInstance()));
            status("ListPodSandboxStats", () -> runtime(Duration.ofSeconds(30)).listPodSandboxStats(
                    ListPodSandboxStatsRequest.getDefaultInstance()));
            for (String id : pick(live.keySet(), 3)) {
                status("ContainerStatus", () -> runtime(Duration.ofSeconds(30)).containerStatus(
                        ContainerStatusRequest.newBuilder().setContainerId(id).build()));
                status("ContainerStats", () -> runtime(Duration.ofSeconds(30)).containerStats(
                        ContainerStatsRequest.newBuilder().setContainerId(id).build()));
            }
            for (String id : pick(livePods, 2)) {
                status("PodSandboxStatus", () -> runtime(Duration.ofSeconds(30)).podSandboxStatus(
                        PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build()));
            }
            Thread.sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000));
        }
        return null;
    }

    /** A status call; NOT_FOUND is no failure, as the object may have gone between picking and asking. */
    private void status(String rpc, Runnable call) {
        try {
            times.time(rpc, () -> {
                call.run();
                return null;
            });
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                times.failed(rpc, e);
            }
        }
    }

    private static List<String> pick(Set<String> from, int n) {
        List<String> all = new ArrayList<>(from);
        Collections.shuffle(all);
        return all.subList(0, Math.min(n, all.size()));
    }

    /** Pulls {@code image} and removes it again, each removal while a container is being created. */
    private Void churnImage(String image) throws InterruptedException {
        ImageSpec spec = ImageSpec.newBuilder().setImage(image).build();
        while (running()) {
            try {
                times.time("PullImage", () -> cri.images().withDeadlineAfter(60, TimeUnit.SECONDS)
                        .pullImage(PullImageRequest.newBuilder().setImage(spec).build()));
                long wait = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (creating.get() == 0 && System.nanoTime() < wait && running()) {
                    Thread.sleep(5);
                }
                boolean overlapped = creating.get() > 0;
                times.time("RemoveImage", () -> cri.images().withDeadlineAfter(60, TimeUnit.SECONDS)
                        .removeImage(RemoveImageRequest.newBuilder().setImage(spec).build()));
                if (overlapped) {
                    removalsDuringCreates.incrementAndGet();
                }
                if (cri.images().withDeadlineAfter(30, TimeUnit.SECONDS).imageStatus(
                        ImageStatusRequest.newBuilder().setImage(spec).build()).hasImage()) {
                    times.failed("RemoveImage", image + " still listed after its removal");
                }
            } catch (StatusRuntimeException e) {
                times.failed("image churn", e);
            }
            Thread.sleep(3000);
        }
        return null;
    }

    /** GetContainerEvents for the whole run, as kubelet's evented PLEG keeps it open. */
    private void watchEvents() {
        try {
            Iterator<ContainerEventResponse> it = cri.runtime().getContainerEvents(
                    GetEventsRequest.getDefaultInstance());
            while (it.hasNext()) {
                ContainerEventResponse e = it.next();
                seen.computeIfAbsent(e.getContainerEventType(), k -> ConcurrentHashMap.newKeySet())
                        .add(e.getContainerId());
            }
            eventStreamEnd.set("ended by the daemon");
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.CANCELLED || running()) {
                eventStreamEnd.set(e.getStatus().toString());
            }
        }
    }

    private Map<ContainerEventType, Integer> eventCounts() {
        Map<ContainerEventType, Integer> out = new TreeMap<>();
        seen.forEach((type, ids) -> out.put(type, ids.size()));
        return out;
    }

    /** The daemon's threads and descriptors every two seconds, for their peaks. */
    private Void sample(long pid) throws InterruptedException, IOException {
        while (running()) {
            peakThreads.accumulateAndGet(DaemonFigures.threads(pid), Math::max);
            peakFds.accumulateAndGet(DaemonFigures.fds(pid), Math::max);
            Thread.sleep(2000);
        }
        return null;
    }

    /** Processes on the host that the soak's containers and probes start (none must outlive their pods). */
    private static long processes() throws IOException {
        long n = 0;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmd = Files.readString(p.resolve("cmdline")).replace('\0', ' ').strip();
                    if (cmd.endsWith(APP) || cmd.endsWith(STUBBORN) || cmd.endsWith(PROBE_CHILD)) {
                        n++;
                    }
                } catch (IOException gone) {
                    // Ended while being looked at: not left over.
                }
            }
        }
        return n;
    }
}
