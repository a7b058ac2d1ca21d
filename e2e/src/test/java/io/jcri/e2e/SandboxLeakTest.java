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
import org.junit.jupiter.api.Test;

/**
 * Many run/stop/remove cycles of pods with every part a pod can have (own network with a host port, IPC with shm,
 * UTS, shared PID with an infra process, a cgroup), then nothing of them may be left on the host.
 */
class SandboxLeakTest {
    private static final int CYCLES = Integer.getInteger("jcri.e2e.sandboxCycles", 200);
    private static final String CGROUP_PARENT = "/jcri-e2e-leak";

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
                for (int i = 0; i < CYCLES; i++) {
                    PodSandboxConfig.Builder cfg = Pods.config("leak").addPortMappings(PortMapping.newBuilder()
                            .setContainerPort(80).setHostPort(18092));
                    cfg.getMetadataBuilder().setAttempt(i);
                    cfg.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder()
                            .setPid(NamespaceMode.POD);
                    String id = Pods.run(client, cfg.build());
                    Pods.stopAndRemove(client, id);
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
            for (String h : new String[] {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio",
                    "pids", "systemd"}) {
                Pods.exec(10, "rmdir", "/sys/fs/cgroup/" + h + CGROUP_PARENT);
            }
        }
    }
}
