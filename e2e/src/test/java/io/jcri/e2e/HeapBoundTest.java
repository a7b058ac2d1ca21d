package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.StatusRuntimeException;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ContainerState;
import io.jcri.cri.v1.ExecSyncRequest;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.VersionRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The JVM options of {@code bin/jcri}: the heap's bound, and the AOT cache with other options than it was recorded
 * with.
 */
class HeapBoundTest {
    /** What the JVM exits with under {@code -XX:+ExitOnOutOfMemoryError}. */
    private static final int OOM_EXIT = 3;
    /** Below kubelet's 16 MiB message limit, and more than the whole of a 32 MiB heap's old generation. */
    private static final int HUGE_ARGUMENT = 14 << 20;

    /**
     * A daemon at its heap's bound exits instead of running on wedged; its container keeps running under conmon,
     * and the daemon started again (with its default heap) finds it running and execs in it. The bound is reached
     * the way a tight bound would be met on a node: one request, within the message limit, whose parsing needs more
     * heap than the bound leaves.
     */
    @Test
    void aDaemonAtItsHeapBoundExitsAndItsContainersOutliveIt() throws Exception {
        CountedDaemon.assumeUsable();
        try (CountedDaemon rig = new CountedDaemon("heapbound", 81, Map.of("JCRI_MAX_HEAP", "32m"))) {
            PodSandboxConfig pod = Pods.config("bounded").setLogDirectory(rig.jcri().dir().resolve("logs").toString())
                    .build();
            String id;
            long pid;
            try (CriClients c = rig.client()) {
                rig.pull(c);
                String podId = Pods.run(c, pod);
                id = Containers.run(c, podId, pod, Containers.config("app", CountedDaemon.IMAGE, "sleep", "1000"));
                pid = Long.parseLong(Files.readString(rig.jcri().dir().resolve("run/conmon/" + id + "/pidfile"))
                        .strip());
                assertThatThrownBy(() -> c.runtime().withDeadlineAfter(60, TimeUnit.SECONDS).execSync(
                        ExecSyncRequest.newBuilder().setContainerId(id).addCmd("echo")
                                .addCmd("x".repeat(HUGE_ARGUMENT)).setTimeout(10).build()))
                        .isInstanceOf(StatusRuntimeException.class);
            }
            assertThat(rig.jcri().process().waitFor(60, TimeUnit.SECONDS)).as("the daemon exits").isTrue();
            assertThat(rig.jcri().process().exitValue()).isEqualTo(OOM_EXIT);
            assertThat(rig.jcri().logText()).contains("Terminating due to java.lang.OutOfMemoryError");
            assertThat(Files.exists(Path.of("/proc/" + pid))).as("the container outlives the daemon").isTrue();
            rig.jcri().launch();
            try (CriClients c = rig.client()) {
                assertThat(Containers.status(c, id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
                assertThat(Containers.sh(c, id, "echo alive")).isEqualTo("alive\n");
                Containers.removeAll(c);
            }
        }
    }

    /**
     * Heap options in {@code JCRI_JAVA_OPTS} that the AOT cache was not recorded with (with which the JVM refuses
     * the cache and does not start at all) start the daemon without the cache; the options it was recorded with
     * use it.
     */
    @Test
    void otherHeapOptionsThanTheAotCachesStartWithoutIt() throws Exception {
        CountedDaemon.assumeUsable();
        Process train = new ProcessBuilder(JcriProcess.repoRoot().resolve("scripts/aot-train.sh").toString())
                .redirectErrorStream(true).start();
        String trained = new String(train.getInputStream().readAllBytes());
        assertThat(train.waitFor()).as("scripts/aot-train.sh: %s", trained).isZero();
        try (JcriProcess other = JcriProcess.start("", Map.of("JCRI_JAVA_OPTS", "-Xmn32m -Xmx192m"));
             CriClients c = other.client()) {
            assertThat(c.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("jcri");
            assertThat(other.logText()).contains("recorded with other JVM options; starting without it")
                    .doesNotContain("Unable to use AOT cache");
        }
        try (JcriProcess same = JcriProcess.start(""); CriClients c = same.client()) {
            assertThat(c.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("jcri");
            assertThat(same.logText()).doesNotContain("recorded with other JVM options");
        }
    }
}
