package io.jcri.e2e.bench;

import io.jcri.e2e.ImageBuilder;
import io.jcri.e2e.ImageBuilder.Compression;
import io.jcri.e2e.ImageBuilder.Format;
import io.jcri.e2e.ImagePullBenchmark;
import io.jcri.e2e.LocalRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The benchmark command: starts a local registry with the bench images, a jcri daemon and, when containerd 2.x is
 * unpacked (see {@link ContainerdProcess#binary}), a containerd, measures both through CRI and /proc, and prints the
 * side-by-side table. Arguments: {@code --tiny} (CI smoke size), {@code --no-containerd}, {@code --only=group,...}
 * (some groups of figures, see {@link BenchSettings#STEPS}), {@code --pods=10,50,110} (the node sizes memory is
 * measured at; the steady state and the restart use the last), {@code --steady-seconds=60}.
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println(run(List.of(args)));
    }

    /** Runs the benchmark as the command line {@code args} asks and returns the table. */
    public static String run(List<String> args) throws Exception {
        for (String a : args) {
            if (!a.equals("--tiny") && !a.equals("--no-containerd") && !a.startsWith("--only=")
                    && !a.startsWith("--pods=") && !a.startsWith("--steady-seconds=")) {
                throw new IllegalArgumentException("unknown argument " + a + "; known: --tiny --no-containerd "
                        + "--only=" + String.join(",", BenchSettings.STEPS) + " --pods=10,50,110 --steady-seconds=60");
            }
        }
        Set<String> steps = values(args, "--only=").stream().filter(s -> !s.isBlank()).collect(Collectors.toSet());
        List<Integer> pods = values(args, "--pods=").stream().map(Integer::valueOf).toList();
        List<String> steady = values(args, "--steady-seconds=");
        boolean tiny = args.contains("--tiny");
        boolean withContainerd = !args.contains("--no-containerd");
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
            BenchSettings settings = tiny ? BenchSettings.tiny(image, big, steps)
                    : BenchSettings.standard(image, big, steps,
                    pods.isEmpty() ? BenchSettings.STANDARD_POD_COUNTS : pods,
                    steady.isEmpty() ? BenchSettings.STANDARD_STEADY : Duration.ofSeconds(Long.parseLong(steady.getLast())));

            List<String> names = new ArrayList<>();
            List<Results> results = new ArrayList<>();
            Path registries = Files.createTempFile("jcri-bench-registries-", ".conf");
            Files.writeString(registries, "[[registry]]\nlocation = \"%s\"\ninsecure = true\n"
                    .formatted(registry.host()));
            try (JcriDaemon jcri = JcriDaemon.start("[image]\nregistries_conf = \"" + registries + "\"\n")) {
                names.add(jcri.name());
                results.add(measure(jcri, settings));
            } finally {
                Files.deleteIfExists(registries);
            }
            Optional<Path> containerd = withContainerd ? ContainerdProcess.binary() : Optional.empty();
            if (withContainerd && containerd.isEmpty()) {
                System.err.println("bench: no containerd 2.x at " + ContainerdProcess.DEFAULT_BINARY
                        + " (../shared/anchors/containerd-from-sid.sh unpacks it): jcri only");
            }
            if (containerd.isPresent()) {
                try (ContainerdProcess peer = ContainerdProcess.start(containerd.get(), registry.host(), pause)) {
                    names.add(peer.name());
                    results.add(measure(peer, settings));
                }
            }
            return BenchmarkTable.render(names, results);
        }
    }

    /** Measures one running daemon, with it and what it starts in a CPU-accounting cgroup of their own. */
    private static Results measure(BenchDaemon daemon, BenchSettings settings) throws Exception {
        try (CpuCgroup cgroup = CpuCgroup.create("jcri-bench-" + daemon.name() + "-"
                + UUID.randomUUID().toString().substring(0, 8))) {
            cgroup.add(daemon.pid());
            return new CriBenchmark(daemon, cgroup, settings).run();
        }
    }

    private static List<String> values(List<String> args, String prefix) {
        return args.stream().filter(s -> s.startsWith(prefix))
                .flatMap(s -> Arrays.stream(s.substring(prefix.length()).split(","))).toList();
    }
}
