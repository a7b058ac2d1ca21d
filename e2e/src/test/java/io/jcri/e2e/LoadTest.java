package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ListContainersRequest;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.RemoveContainerRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Many pods with two containers each, each created, started, exec'd, stopped and removed by a pool of client
 * threads at once: every call succeeds, nothing deadlocks (the whole run has a deadline), and afterwards nothing of
 * it is left on the host. {@code -Djcri.e2e.loadPods=N} changes the number of pods (default 50).
 */
class LoadTest {
    private static final int PODS = Integer.getInteger("jcri.e2e.loadPods", 50);
    private static final int CLIENTS = 16;
    private static final Duration DEADLINE = Duration.ofMinutes(10);

    @Test
    void podsWithContainersRunAndGoAwayConcurrently() throws Exception {
        CountedDaemon.assumeUsable();
        try (CountedDaemon rig = new CountedDaemon("load", 87, Map.of()); CriClients c = rig.client()) {
            rig.pull(c);
            CountedDaemon.Footprint before = rig.footprint();
            AtomicLong calls = new AtomicLong();
            long start = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            try {
                List<Future<?>> work = new ArrayList<>();
                for (int i = 0; i < PODS; i++) {
                    int n = i;
                    work.add(pool.submit(() -> lifecycle(c, rig, n, calls)));
                }
                long deadline = System.nanoTime() + DEADLINE.toNanos();
                for (Future<?> f : work) {
                    f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
            } finally {
                pool.shutdownNow();
                assertThat(pool.awaitTermination(1, TimeUnit.MINUTES)).as("client threads finish").isTrue();
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            System.out.printf("load: %d pods x 2 containers, %d calls from %d clients in %d ms (%.1f calls/s)%n",
                    PODS, calls.get(), CLIENTS, took.toMillis(), calls.get() * 1000.0 / took.toMillis());
            assertThat(c.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList())
                    .isEmpty();
            assertThat(c.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList())
                    .isEmpty();
            CountedDaemon.Footprint after = rig.footprint();
            System.out.printf("load: footprint before %s after %s%n", before, after);
            assertThat(after).isEqualTo(before);
        }
    }

    private static Void lifecycle(CriClients c, CountedDaemon rig, int n, AtomicLong calls) {
        PodSandboxConfig pod = Pods.config("load" + n).setLogDirectory(rig.jcri().dir().resolve("logs/" + n)
                .toString()).build();
        String podId = Pods.run(c, pod);
        List<String> ids = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            ids.add(Containers.run(c, podId, pod, Containers.config(name, CountedDaemon.IMAGE, "sleep", "1000")));
        }
        calls.addAndGet(5);
        for (String id : ids) {
            assertThat(Containers.sh(c, id, "echo " + n)).isEqualTo(n + "\n");
            Containers.stop(c, id, 1);
            c.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
            calls.addAndGet(3);
        }
        Pods.stopAndRemove(c, podId);
        calls.addAndGet(2);
        return null;
    }
}
