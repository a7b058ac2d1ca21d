package io.jcri.e2e.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The cgroup parents of the bench's pods, laid out as kubelet's cgroupfs driver lays them out: one cgroup per pod
 * ({@code pod<uid>}) under a node-level one, here a scratch {@code /jcri-bench-pods-<run>} instead of
 * {@code /kubepods}. Kubelet creates and removes these itself, so the harness does: the runtimes only create and
 * remove their sandbox and container cgroups below them. (containerd's pod stats read the pod's cgroup.)
 */
final class PodCgroups {
    private static final Path ROOT = Path.of("/sys/fs/cgroup");

    private final String node;

    PodCgroups(String run) {
        this.node = "/jcri-bench-pods-" + run;
    }

    /** The cgroup parent of the pod with {@code uid}. */
    String parentOf(String uid) {
        return node + "/pod" + uid;
    }

    /** Removes the node-level cgroup and the pods' cgroups below it, in every hierarchy; run once pods are gone. */
    void remove() throws IOException {
        List<Path> hierarchies;
        try (Stream<Path> s = Files.list(ROOT)) {
            hierarchies = s.toList();
        }
        for (Path h : hierarchies) {
            Path dir = h.resolve(node.substring(1));
            if (!Files.isDirectory(dir)) {
                continue;
            }
            // cgroup directories hold only kernel files, which rmdir does not need removed: directories only
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path d : s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(d);
                }
            }
        }
    }
}
