package io.jcri.e2e.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jcri.e2e.JcriProcess;
import io.jcri.e2e.LocalRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The long run, small (6 pods, 3 minutes, jcri alone: containerd is not installed by the test command, and what
 * CI guards is jcri's own footprint): it fails when the daemon's PSS keeps rising, the last third of the run above
 * the middle third by more than {@link SoakReport#RISE_LIMIT}, which a daemon whose old generation fills with
 * promoted garbage does within a minute. Whatever the heap holds after a GC is not looked at: a node reserves
 * memory by what the process maps. It also proves the harness writes its files.
 */
class SoakSmokeTest {
    @Test
    void daemonMemoryDoesNotKeepRisingUnderKubeletAndCrictl(@TempDir Path out) throws Exception {
        assumeTrue(JcriProcess.isRoot() && LocalRegistry.available(), "needs root and docker-registry: skipped");
        String summary = BenchMain.run(List.of("--only=soak", "--no-containerd", "--pods=6", "--minutes=3",
                "--out=" + out));
        System.out.println(summary);
        List<String> samples = Files.readAllLines(out.resolve("soak-samples.csv"));
        assertThat(samples).hasSizeGreaterThan(15);
        assertThat(Files.readString(out.resolve("soak-calls.csv"))).contains("crictl ps: ListContainers",
                "crictl: ImageFsInfo (validation)", "ExecSync probe (background child)", "ListContainerStats");
        assertThat(Files.readString(out.resolve("soak-memory.svg"))).contains("<polyline");
        assertThat(summary).contains("daemon PSS: last third / middle third");
        List<Long> pss = samples.stream().skip(1).map(l -> Long.parseLong(l.split(",")[2])).toList();
        int n = pss.size();
        double middle = pss.subList(n / 3, 2 * n / 3).stream().mapToLong(Long::longValue).average().orElseThrow();
        double last = pss.subList(2 * n / 3, n).stream().mapToLong(Long::longValue).average().orElseThrow();
        assertThat(last).as("daemon PSS (KiB), mean of the last third vs the middle third; samples: %s", pss)
                .isLessThanOrEqualTo(middle * SoakReport.RISE_LIMIT);
    }
}
