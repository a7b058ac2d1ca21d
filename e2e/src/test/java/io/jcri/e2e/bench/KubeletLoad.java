package io.jcri.e2e.bench;

import io.grpc.StatusRuntimeException;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ContainerStatusRequest;
import io.jcri.cri.v1.ExecSyncRequest;
import io.jcri.cri.v1.ExecSyncResponse;
import io.jcri.cri.v1.ListContainerStatsRequest;
import io.jcri.cri.v1.ListContainersRequest;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.ListPodSandboxStatsRequest;
import io.jcri.cri.v1.PodSandboxStatusRequest;
import io.jcri.cri.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import io.jcri.e2e.CallTimes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The calls kubelet makes to a node's runtime while every pod runs and is healthy, for a while: each second the
 * relist of its PLEG (ListPodSandbox, ListContainers) and the stats it serves (ListContainerStats,
 * ListPodSandboxStats); each period (kubelet's probe period, 10 s by default) a liveness probe per container
 * (ExecSync with kubelet's default 1 s timeout) and the statuses of each pod (PodSandboxStatus, ContainerStatus),
 * spread over the period as kubelet's per-pod workers spread them. Every call is timed, under its RPC name.
 */
final class KubeletLoad {
    /** Probe workers and status syncs run at once on a busy node; this bounds the harness's threads. */
    private static final int THREADS = 16;
    private static final long CALL_DEADLINE_SECONDS = 30;

    /** A running pod and its one container. */
    record PodContainer(String podId, String containerId) {
    }

    /** An exec probe: the command, and the name its calls are timed under. */
    record Probe(String rpc, List<String> cmd) {
    }

    private final CriClients cri;
    private final IntFunction<Probe> probes;
    private final Supplier<CallTimes> times;

    private KubeletLoad(CriClients cri, IntFunction<Probe> probes, Supplier<CallTimes> times) {
        this.cri = cri;
        this.probes = probes;
        this.times = times;
    }

    /** Drives the load on {@code pods} for {@code length} and returns how long each kind of call took. */
    static CallTimes run(CriClients cri, List<PodContainer> pods, Duration length, Duration period, List<String> probe)
            throws InterruptedException {
        CallTimes times = new CallTimes();
        new KubeletLoad(cri, i -> new Probe("ExecSync probe", probe), () -> times).drive(pods, length, period);
        return times;
    }

    /**
     * Drives the load on {@code pods} for {@code length}, the container of the i-th pod probed with
     * {@code probes.apply(i)}, each call timed into the {@link CallTimes} that {@code times} gives as it ends (the
     * long run keeps one per minute).
     */
    static void run(CriClients cri, List<PodContainer> pods, Duration length, Duration period,
                    IntFunction<Probe> probes, Supplier<CallTimes> times) throws InterruptedException {
        new KubeletLoad(cri, probes, times).drive(pods, length, period);
    }

    private void drive(List<PodContainer> pods, Duration length, Duration period) throws InterruptedException {
        ScheduledExecutorService pool = Executors.newScheduledThreadPool(THREADS);
        try {
            long second = TimeUnit.SECONDS.toNanos(1);
            pool.scheduleAtFixedRate(() -> {
                call("ListPodSandbox", s -> s.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()));
                call("ListContainers", s -> s.listContainers(ListContainersRequest.getDefaultInstance()));
            }, 0, second, TimeUnit.NANOSECONDS);
            pool.scheduleAtFixedRate(() -> {
                call("ListContainerStats", s -> s.listContainerStats(ListContainerStatsRequest.getDefaultInstance()));
                call("ListPodSandboxStats", s -> s.listPodSandboxStats(ListPodSandboxStatsRequest.getDefaultInstance()));
            }, second / 2, second, TimeUnit.NANOSECONDS);
            long step = period.toNanos() / Math.max(1, pods.size());
            for (int i = 0; i < pods.size(); i++) {
                PodContainer p = pods.get(i);
                pool.scheduleAtFixedRate(() -> {
                    call("PodSandboxStatus", s -> s.podSandboxStatus(
                            PodSandboxStatusRequest.newBuilder().setPodSandboxId(p.podId()).build()));
                    call("ContainerStatus", s -> s.containerStatus(
                            ContainerStatusRequest.newBuilder().setContainerId(p.containerId()).build()));
                }, i * step, period.toNanos(), TimeUnit.NANOSECONDS);
                Probe probe = probes.apply(i);
                pool.scheduleAtFixedRate(() -> probe(probe, p.containerId()), i * step + step / 2, period.toNanos(),
                        TimeUnit.NANOSECONDS);
            }
            Thread.sleep(length.toMillis());
        } finally {
            // Periodic tasks are cancelled; calls in flight finish, so none is cut short and counted as failed.
            pool.shutdown();
            if (!pool.awaitTermination(2, TimeUnit.MINUTES)) {
                pool.shutdownNow();
            }
        }
    }

    private void probe(Probe probe, String containerId) {
        ExecSyncResponse r = call(probe.rpc(), s -> s.execSync(ExecSyncRequest.newBuilder()
                .setContainerId(containerId).addAllCmd(probe.cmd()).setTimeout(1).build()));
        if (r != null && r.getExitCode() != 0) {
            times.get().failed(probe.rpc(), "exit " + r.getExitCode() + " in " + containerId + ": "
                    + r.getStderr().toStringUtf8());
        }
    }

    /**
     * Times one call; a failure is recorded rather than thrown, since a periodic task that throws is never run
     * again. Returns null when the call failed.
     */
    private <T> T call(String rpc, Function<RuntimeServiceBlockingStub, T> call) {
        long t0 = System.nanoTime();
        try {
            return call.apply(cri.runtime().withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS));
        } catch (StatusRuntimeException e) {
            times.get().failed(rpc, e);
        } catch (RuntimeException e) {
            times.get().failed(rpc, e.toString());
        } finally {
            times.get().record(rpc, System.nanoTime() - t0);
        }
        return null;
    }
}
