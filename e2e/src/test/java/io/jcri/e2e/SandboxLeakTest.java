package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jcri.cri.CriClients;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PortMapping;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Many run/stop/remove cycles of pods with every part a pod can have (own network with a host port, IPC with shm,
 * UTS, shared PID with an infra process, a cgroup), then nothing of them may be left on the host.
 */
class SandboxLeakTest {
    private static final int CYCLES = Integer.getInteger("jcri.e2e.sandboxCycles", 200);
    private static final String CGROUP_PARENT = "/jcri-e2e-leak";
    private static final int WORKERS = 4;

    @Test
    void runStopRemoveCyclesLeaveNothingBehind() throws Exception {
        assumeTrue(JcriProcess.isRoot(), "e2e tests need root (namespaces, mounts, cgroups): skipped");
        Path dir = Files.createTempDirectory("jcri-e2e-leak-");
        try (ScratchNetwork net = new ScratchNetwork(dir, "jcri-e2e-leak", 92);
             JcriProcess jcri = JcriProcess.start(net.toml(20) + "[runtime]\ncgroup_parent = \""
                     + CGROUP_PARENT + "\"\n");
             CriClients client = jcri.client()) {
            try {
                HostFootprint before = HostFootprint.measure(jcri.dir(), net, CGROUP_PARENT);
                long start = System.nanoTime();
                // A few workers at once: the machine waits on plugins more than it computes, and concurrent
                // pods exercise the per-sandbox locking and IPAM under contention.
                try (var pool = Executors.newFixedThreadPool(WORKERS)) {
                    List<Future<?>> workers = new ArrayList<>();
                    for (int w = 0; w < WORKERS; w++) {
                        int worker = w;
                        workers.add(pool.submit(() -> cycles(client, worker, CYCLES / WORKERS)));
                    }
                    for (Future<?> f : workers) {
                        f.get();
                    }
                }
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                HostFootprint after = HostFootprint.measure(jcri.dir(), net, CGROUP_PARENT);
                System.out.printf("%d sandbox cycles in %d ms (%.1f ms each); footprint before %s after %s%n",
                        CYCLES, took.toMillis(), took.toMillis() / (double) CYCLES, before, after);
                assertThat(after).isEqualTo(before);
                assertThat(after.mounts()).isZero();
                assertThat(after.veths()).isZero();
                assertThat(after.ipamReservations()).isZero();
                assertThat(after.podCgroups()).isZero();
                assertThat(after.infraProcesses()).isZero();
                try (var s = Files.list(jcri.dir().resolve("lib/sandboxes"))) {
                    assertThat(s.toList()).isEmpty();
                }
                try (var s = Files.list(jcri.dir().resolve("lib/cni/results"))) {
                    assertThat(s.toList()).isEmpty();
                }
            } finally {
                Pods.removeAll(client);
            }
        } finally {
            Pods.removeCgroupParent(CGROUP_PARENT);
        }
    }

    private static Void cycles(CriClients client, int worker, int count) {
        for (int i = 0; i < count; i++) {
            PodSandboxConfig.Builder cfg = Pods.config("leak" + worker).addPortMappings(PortMapping.newBuilder()
                    .setContainerPort(80).setHostPort(18092 + worker));
            cfg.getMetadataBuilder().setAttempt(i);
            cfg.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder()
                    .setPid(NamespaceMode.POD);
            String id = Pods.run(client, cfg.build());
            Pods.stopAndRemove(client, id);
        }
        return null;
    }
}
