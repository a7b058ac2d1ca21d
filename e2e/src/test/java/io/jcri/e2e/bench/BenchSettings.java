package io.jcri.e2e.bench;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * How much to measure. {@link #standard} is what docs/performance.md reports; {@link #tiny} only proves in CI
 * that the harness still runs.
 *
 * @param image          the image containers run (busybox with sleep and true)
 * @param pullImage      the image for the cold-pull figure (about 200 MB in 5 layers for the standard run)
 * @param runtimeHandler the handler pods ask for (empty: the runtime's default)
 * @param listWarmUp     calls made before the measured ones of lists and statuses (kubelet makes them every second)
 * @param warmJitCalls   calls of each status made in all before they are measured again, with the JIT warm (a
 *                       runtime compiled ahead of time, like containerd, needs no warm-up; kubelet on a full node
 *                       makes this many within minutes)
 * @param pullRuns       cold pulls of {@code pullImage}, each after removing it (the median is reported)
 * @param podCounts      the node sizes memory is measured at, ascending; the last is the node the steady state and
 *                       the restart run on
 * @param steadyWarmUp   how long the kubelet steady state runs before it is measured
 * @param steadyFor      how long the kubelet steady state is measured
 * @param kubeletPeriod  how often each container is probed and each pod's statuses are asked for
 * @param steps          the groups of figures to measure (see {@link #STEPS}); empty means all of them
 */
record BenchSettings(String image, String pullImage, String runtimeHandler, int runs, int concurrentPods,
                     int listContainers, int listWarmUp, int warmJitCalls, int pullRuns, List<Integer> podCounts,
                     Duration steadyWarmUp, Duration steadyFor, Duration kubeletPeriod, Set<String> steps) {

    /** Every group of figures, in the order they are measured. */
    static final List<String> STEPS = List.of("pod-start", "exec", "status", "concurrent", "list", "pull", "alloc",
            "memory", "steady", "restart");
    static final List<Integer> STANDARD_POD_COUNTS = List.of(10, 50, 110);
    static final Duration STANDARD_STEADY = Duration.ofSeconds(60);

    BenchSettings {
        steps = Set.copyOf(steps);
        podCounts = List.copyOf(podCounts);
        if (!STEPS.containsAll(steps)) {
            throw new IllegalArgumentException("unknown steps " + steps + "; known: " + STEPS);
        }
        if (podCounts.isEmpty() || podCounts.getFirst() < 1
                || !podCounts.equals(podCounts.stream().sorted().distinct().toList())) {
            throw new IllegalArgumentException("pod counts must be positive and ascending: " + podCounts);
        }
    }

    static BenchSettings standard(String image, String pullImage, Set<String> steps, List<Integer> podCounts,
                                  Duration steadyFor) {
        return new BenchSettings(image, pullImage, "", 30, 20, 300, 60, 3000, 5, podCounts, Duration.ofSeconds(20),
                steadyFor, Duration.ofSeconds(10), steps);
    }

    static BenchSettings tiny(String image, String pullImage, Set<String> steps) {
        return new BenchSettings(image, pullImage, "", 2, 2, 4, 1, 3, 1, List.of(1, 2), Duration.ofSeconds(1),
                Duration.ofSeconds(3), Duration.ofSeconds(1), steps);
    }

    boolean measures(String step) {
        return steps.isEmpty() || steps.contains(step);
    }

    /** The pods of the full node: the steady state and the restart run with this many. */
    int nodePods() {
        return podCounts.getLast();
    }
}
