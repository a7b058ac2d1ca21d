package io.jcri.e2e.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A CPU-accounting cgroup holding a runtime's daemon and so every process it starts and does not move elsewhere:
 * its monitors (conmon, shims) and the short-lived helpers they run (runc, exec monitors), whoever reaps them.
 * Containers and infra processes are moved to their pods' cgroups by the runtime and are not counted. Under cgroup
 * v1 it is a cgroup of the cpuacct hierarchy only; under v2 a cgroup of the unified hierarchy.
 */
final class CpuCgroup implements AutoCloseable {
    private static final Path V1 = Path.of("/sys/fs/cgroup/cpuacct");
    private static final Path V2 = Path.of("/sys/fs/cgroup");

    private final Path dir;
    private final boolean v2;

    private CpuCgroup(Path dir, boolean v2) {
        this.dir = dir;
        this.v2 = v2;
    }

    /** A new cgroup named {@code name} under the hierarchy's root. */
    static CpuCgroup create(String name) throws IOException {
        boolean v2 = !Files.isDirectory(V1) && Files.exists(V2.resolve("cgroup.controllers"));
        Path dir = (v2 ? V2 : V1).resolve(name);
        Files.createDirectories(dir);
        return new CpuCgroup(dir, v2);
    }

    /** Moves a process (all its threads) into the cgroup; its later children start there. */
    void add(long pid) throws IOException {
        Files.writeString(dir.resolve("cgroup.procs"), Long.toString(pid));
    }

    /** CPU seconds used by every process that has been in the cgroup, the ended ones included. */
    double seconds() throws IOException {
        if (v2) {
            for (String line : Files.readAllLines(dir.resolve("cpu.stat"))) {
                if (line.startsWith("usage_usec ")) {
                    return Long.parseLong(line.substring("usage_usec ".length()).strip()) / 1e6;
                }
            }
            throw new IllegalStateException("no usage_usec in " + dir.resolve("cpu.stat"));
        }
        return Long.parseLong(Files.readString(dir.resolve("cpuacct.usage")).strip()) / 1e9;
    }

    /** Moves any process still inside back to the root cgroup, then removes the cgroup. */
    @Override
    public void close() throws IOException {
        Path parent = dir.getParent().resolve("cgroup.procs");
        List<String> left = Files.readAllLines(dir.resolve("cgroup.procs"));
        for (String pid : left) {
            try {
                Files.writeString(parent, pid.strip());
            } catch (IOException ended) {
                // the process ended since the list was read: nothing to move
            }
        }
        // the kernel may still count a task that just exited: removal is retried for a moment
        for (int attempt = 0; ; attempt++) {
            try {
                Files.delete(dir);
                return;
            } catch (IOException busy) {
                if (attempt == 50) {
                    throw busy;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw busy;
                }
            }
        }
    }
}
