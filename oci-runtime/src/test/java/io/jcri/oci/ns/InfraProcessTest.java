package io.jcri.oci.ns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InfraProcessTest {
    @TempDir
    Path run;

    /**
     * Many pods starting at once: the thread that unshared its PID namespace may not create threads, so starting
     * an infra process must not depend on one (the JDK's process reaper did, and failed under concurrency).
     */
    @Test
    void manyInfraProcessesStartConcurrently() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root: skipped");
        NamespacePinner pinner = new NamespacePinner(run);
        int n = 24;
        List<Integer> pids = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
            List<Future<Integer>> started = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String id = "c" + i;
                started.add(pool.submit(() -> {
                    Map<NsType, Path> ns = pinner.pin(id, Set.of(NsType.NET, NsType.IPC, NsType.UTS), id);
                    return InfraProcess.start(id, List.of("catatonit", "-P"), ns);
                }));
            }
            for (Future<Integer> f : started) {
                pids.add(f.get(60, TimeUnit.SECONDS));
            }
            for (int pid : pids) {
                assertThat(InfraProcess.isInfra(pid, "catatonit")).isTrue();
            }
        } finally {
            pids.forEach(pid -> InfraProcess.kill(pid, "catatonit"));
            for (int i = 0; i < n; i++) {
                pinner.unpin("c" + i);
            }
        }
        for (int pid : pids) {
            assertThat(Files.exists(Path.of("/proc/" + pid))).as("pid %d reaped", pid).isFalse();
        }
    }
}
