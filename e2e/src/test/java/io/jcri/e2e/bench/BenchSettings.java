package io.jcri.e2e.bench;

/**
 * How much to measure. {@link #standard} is what docs/performance.md reports; {@link #tiny} only proves in CI
 * that the harness still runs.
 *
 * @param image            the image containers run (busybox with sleep and true)
 * @param pullImage        the image for the cold-pull figure (about 200 MB in 5 layers for the standard run)
 * @param runtimeHandler   the handler pods ask for (empty: the runtime's default)
 */
record BenchSettings(String image, String pullImage, String runtimeHandler, int runs, int concurrentPods,
                     int memoryPodsSmall, int memoryPodsLarge, int listContainers) {

    static BenchSettings standard(String image, String pullImage) {
        return new BenchSettings(image, pullImage, "", 30, 20, 10, 50, 300);
    }

    static BenchSettings tiny(String image, String pullImage) {
        return new BenchSettings(image, pullImage, "", 2, 2, 1, 2, 4);
    }
}
