package io.jcri.e2e.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jcri.e2e.JcriProcess;
import io.jcri.e2e.LocalRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Proves the benchmark harness still runs end to end, in its tiny configuration and against jcri only. It checks
 * that every figure was produced, never how fast anything was.
 */
class BenchmarkSmokeTest {
    @Test
    void tinyBenchmarkProducesEveryFigure() throws Exception {
        assumeTrue(JcriProcess.isRoot() && LocalRegistry.available(), "needs root and docker-registry: skipped");
        String table = BenchMain.run(List.of("--tiny", "--no-containerd"));
        System.out.println(table);
        assertThat(table).contains("RunPodSandbox: median", "whole pod start: p95", "ExecSync true: median",
                "ContainerStatus: median", "PodSandboxStatus: median", "ListImages: median",
                "pods started concurrently", "memory idle: runtime PSS", "memory 2 pods: per-pod processes PSS",
                "memory 2 pods: runtime + per-pod PSS", "ListContainers", "cold pull",
                "steady, 2 pods: ListContainerStats: p99", "steady, 2 pods: ExecSync probe: median",
                "steady, 2 pods: daemon CPU", "steady, 2 pods: all runtime processes CPU",
                "restart with 0 pods: start to first answered call", "restart with 2 pods: start to first answered");
        assertThat(table).doesNotContain("| NaN", "|            - |", "failed calls");
    }
}
