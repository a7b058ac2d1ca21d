package io.jcri.e2e.bench;

import io.jcri.cri.CriClients;
import io.jcri.cri.v1.VersionRequest;
import io.jcri.e2e.ImageBuilder;
import io.jcri.e2e.ImageBuilder.Compression;
import io.jcri.e2e.ImageBuilder.Format;
import io.jcri.e2e.ImagePullBenchmark;
import io.jcri.e2e.JcriProcess;
import io.jcri.e2e.LocalRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The benchmark command: starts a local registry with the bench images, a jcri daemon (timing its start to the
 * first answered call) and, when Debian's containerd is installed, a containerd, then measures both through CRI
 * and prints the side-by-side table. Arguments: {@code --tiny} (CI smoke size), {@code --no-containerd},
 * {@code --only=step,...} (some groups of figures: pod-start, exec, concurrent, memory, list, pull).
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        List<String> a = List.of(args);
        Set<String> steps = a.stream().filter(s -> s.startsWith("--only="))
                .flatMap(s -> Arrays.stream(s.substring("--only=".length()).split(",")))
                .filter(s -> !s.isBlank()).collect(Collectors.toSet());
        System.out.println(run(a.contains("--tiny"), !a.contains("--no-containerd"), steps));
    }

    /** Runs the benchmark ({@code steps}: the groups of figures, empty for all) and returns the table. */
    public static String run(boolean tiny, boolean withContainerd, Set<String> steps) throws Exception {
        try (LocalRegistry registry = LocalRegistry.start()) {
            ImageBuilder images = new ImageBuilder(registry.host(), null);
            ImageBuilder.Layer busybox = ImageBuilder.busyboxLayer(Compression.GZIP, Format.OCI);
            String image = images.push("bench/busybox", "1", Format.OCI, List.of(busybox), "",
                    List.of("/bin/busybox", "sh")).reference();
            String pause = images.push("bench/pause", "1", Format.OCI, List.of(busybox), "",
                    List.of("/bin/busybox", "sleep", "2147483647")).reference();
            int layerBytes = tiny ? 1 << 20 : 40 << 20;
            String big = images.push("bench/big", "1", Format.OCI, ImagePullBenchmark.randomLayers(5, layerBytes), "",
                    List.of("/bin/sh")).reference();
            BenchSettings settings = tiny ? BenchSettings.tiny(image, big, steps) : BenchSettings.standard(image, big, steps);

            List<String> names = new ArrayList<>();
            List<Results> results = new ArrayList<>();
            Path registries = Files.createTempFile("jcri-bench-registries-", ".conf");
            Files.writeString(registries, "[[registry]]\nlocation = \"%s\"\ninsecure = true\n"
                    .formatted(registry.host()));
            long t0 = System.nanoTime();
            try (JcriProcess jcri = JcriProcess.startAsDeployed("[image]\nregistries_conf = \"" + registries + "\"\n");
                 CriClients c = jcri.client()) {
                c.runtime().version(VersionRequest.getDefaultInstance());
                double startMillis = (System.nanoTime() - t0) / 1e6;
                Results r = new CriBenchmark(
                        BenchTarget.jcri(jcri.endpoint(), jcri.process().pid(), jcri.dir().toString()), settings).run();
                r.put("start to first answered call (ms)", startMillis);
                names.add("jcri");
                results.add(r);
            } finally {
                Files.deleteIfExists(registries);
            }
            Optional<Path> containerd = withContainerd ? ContainerdProcess.binary() : Optional.empty();
            if (containerd.isPresent()) {
                long t1 = System.nanoTime();
                try (ContainerdProcess peer = ContainerdProcess.start(containerd.get(), registry.host(), pause)) {
                    double startMillis = (System.nanoTime() - t1) / 1e6;
                    Results r = new CriBenchmark(
                            BenchTarget.containerd(peer.endpoint(), peer.pid(), peer.scratchDir()), settings).run();
                    r.put("start to first answered call (ms)", startMillis);
                    names.add("containerd");
                    results.add(r);
                }
            }
            return BenchmarkTable.render(names, results);
        }
    }
}
