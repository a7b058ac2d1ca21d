package io.jcri.e2e.bench;

import io.jcri.e2e.ImageBuilder;
import io.jcri.e2e.ImageBuilder.Compression;
import io.jcri.e2e.ImageBuilder.Format;
import io.jcri.e2e.ImagePullBenchmark;
import io.jcri.e2e.JcriProcess;
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
 *
 * <p>{@code --only=soak} is the long run instead ({@link SoakRun}): {@code --pods=110} pods, {@code --minutes=30}
 * per runtime, the CSVs and the chart written to {@code --out=DIR} (default {@code e2e/target/soak}).
 */
public final class BenchMain {
    private static final String SOAK = "soak";
    private static final int SOAK_PODS = 110;
    private static final double SOAK_MINUTES = 30;

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println(run(List.of(args)));
    }

    /** Runs the benchmark as the command line {@code args} asks and returns the table. */
    public static String run(List<String> args) throws Exception {
        for (String a : args) {
            if (!a.equals("--tiny") && !a.equals("--no-containerd") && !a.startsWith("--only=")
                    && !a.startsWith("--pods=") && !a.startsWith("--steady-seconds=") && !a.startsWith("--minutes=")
                    && !a.startsWith("--out=")) {
                throw new IllegalArgumentException("unknown argument " + a + "; known: --tiny --no-containerd "
                        + "--only=" + String.join(",", BenchSettings.STEPS) + " --pods=10,50,110 --steady-seconds=60"
                        + " | --only=soak --pods=110 --minutes=30 --out=DIR");
            }
        }
        Set<String> steps = values(args, "--only=").stream().filter(s -> !s.isBlank()).collect(Collectors.toSet());
        boolean soak = steps.contains(SOAK);
        if (soak && steps.size() > 1) {
            throw new IllegalArgumentException("--only=soak runs alone");
        }
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
            int layerBytes = tiny || soak ? 1 << 20 : 40 << 20;
            String big = images.push("bench/big", "1", Format.OCI, ImagePullBenchmark.randomLayers(5, layerBytes), "",
                    List.of("/bin/sh")).reference();
            List<String> minutes = values(args, "--minutes=");
            List<String> out = values(args, "--out=");
            Path dir = out.isEmpty() ? JcriProcess.repoRoot().resolve("e2e/target/soak") : Path.of(out.getLast());
            SoakRun.Settings soakSettings = new SoakRun.Settings(pods.isEmpty() ? SOAK_PODS : pods.getLast(),
                    Duration.ofSeconds(Math.round(60 * (minutes.isEmpty() ? SOAK_MINUTES
                            : Double.parseDouble(minutes.getLast())))), Duration.ofSeconds(10), image,
                    soak ? List.of(pause, manyFiles(images)) : List.of(), dir);
            BenchSettings settings = soak ? null : tiny ? BenchSettings.tiny(image, big, steps)
                    : BenchSettings.standard(image, big, steps,
                    pods.isEmpty() ? BenchSettings.STANDARD_POD_COUNTS : pods,
                    steady.isEmpty() ? BenchSettings.STANDARD_STEADY : Duration.ofSeconds(Long.parseLong(steady.getLast())));

            List<String> names = new ArrayList<>();
            List<Results> results = new ArrayList<>();
            List<SoakRun.Result> soaks = new ArrayList<>();
            Path registries = Files.createTempFile("jcri-bench-registries-", ".conf");
            Files.writeString(registries, "[[registry]]\nlocation = \"%s\"\ninsecure = true\n"
                    .formatted(registry.host()));
            try (JcriDaemon jcri = JcriDaemon.start("[image]\nregistries_conf = \"" + registries + "\"\n")) {
                names.add(jcri.name());
                if (soak) {
                    soaks.add(soak(jcri, soakSettings));
                } else {
                    results.add(measure(jcri, settings));
                }
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
                    if (soak) {
                        soaks.add(soak(peer, soakSettings));
                    } else {
                        results.add(measure(peer, settings));
                    }
                }
            }
            if (soak) {
                return "soak: " + soakSettings.pods() + " pods, " + soakSettings.length().toSeconds() / 60.0
                        + " min per runtime; CSVs and chart in " + dir + "\n" + SoakReport.write(dir, soaks);
            }
            return BenchmarkTable.render(names, results);
        }
    }

    /**
     * An image whose files are as many as a distribution's base image's (4,000 in 40 directories): a node's image
     * store holds a few of them, and whatever walks the store walks these.
     */
    private static String manyFiles(ImageBuilder images) throws Exception {
        ImageBuilder.Tar tar = ImageBuilder.tar();
        byte[] content = new byte[512];
        for (int d = 0; d < 40; d++) {
            tar.dir("usr/share/d" + d, 0755);
            for (int f = 0; f < 100; f++) {
                tar.file("usr/share/d" + d + "/f" + f, 0644, content);
            }
        }
        return images.push("bench/files", "1", Format.OCI, List.of(tar.layer(Compression.GZIP, Format.OCI)), "",
                List.of("/bin/sh")).reference();
    }

    /** The long run on one daemon, with it and what it starts in a CPU-accounting cgroup of their own. */
    private static SoakRun.Result soak(BenchDaemon daemon, SoakRun.Settings settings) throws Exception {
        try (CpuCgroup cgroup = CpuCgroup.create("jcri-soak-" + daemon.name() + "-"
                + UUID.randomUUID().toString().substring(0, 8))) {
            cgroup.add(daemon.pid());
            return new SoakRun(daemon, cgroup, settings).run();
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
