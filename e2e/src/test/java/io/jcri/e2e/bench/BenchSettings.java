package io.jcri.e2e.bench;

import java.util.Set;

/**
 * How much to measure. {@link #standard} is what docs/performance.md reports; {@link #tiny} only proves in CI
 * that the harness still runs.
 *
 * @param image            the image containers run (busybox with sleep and true)
 * @param pullImage        the image for the cold-pull figure (about 200 MB in 5 layers for the standard run)
 * @param runtimeHandler   the handler pods ask for (empty: the runtime's default)
 * @param listWarmUp       list calls made before the measured ones (kubelet lists every second)
 * @param pullRuns         cold pulls of {@code pullImage}, each after removing it (the median is reported)
 * @param steps            the groups of figures to measure (see {@link #STEPS}); empty means all of them
 */
record BenchSettings(String image, String pullImage, String runtimeHandler, int runs, int concurrentPods,
                     int memoryPodsSmall, int memoryPodsLarge, int listContainers, int listWarmUp, int pullRuns,
                     Set<String> steps) {

    /** Every group of figures, in the order they are measured. */
    static final Set<String> STEPS = Set.of("pod-start", "exec", "concurrent", "memory", "list", "pull");

    BenchSettings {
        steps = Set.copyOf(steps);
        if (!STEPS.containsAll(steps)) {
            throw new IllegalArgumentException("unknown steps " + steps + "; known: " + STEPS);
        }
    }

    static BenchSettings standard(String image, String pullImage, Set<String> steps) {
        return new BenchSettings(image, pullImage, "", 30, 20, 10, 50, 300, 60, 5, steps);
    }

    static BenchSettings tiny(String image, String pullImage, Set<String> steps) {
        return new BenchSettings(image, pullImage, "", 2, 2, 1, 2, 4, 1, 1, steps);
    }

    boolean measures(String step) {
        return steps.isEmpty() || steps.contains(step);
    }
}
