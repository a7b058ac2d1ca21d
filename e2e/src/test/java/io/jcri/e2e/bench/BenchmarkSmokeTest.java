package io.jcri.e2e.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jcri.e2e.JcriProcess;
import io.jcri.e2e.LocalRegistry;
import org.junit.jupiter.api.Test;

/**
 * Proves the benchmark harness still runs end to end, in its tiny configuration and against jcri only. It checks
 * that every figure was produced, never how fast anything was.
 */
class BenchmarkSmokeTest {
    @Test
    void tinyBenchmarkProducesEveryFigure() throws Exception {
        assumeTrue(JcriProcess.isRoot() && LocalRegistry.available(), "needs root and docker-registry: skipped");
        String table = BenchMain.run(true, false, java.util.Set.of());
        System.out.println(table);
        assertThat(table).contains("RunPodSandbox: median", "whole pod start: p95", "ExecSync true: median",
                "pods started concurrently", "memory 2 pods: runtime+monitors", "ListContainers",
                "cold pull", "start to first answered call");
        assertThat(table).doesNotContain("| NaN");
    }
}
