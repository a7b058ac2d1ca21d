package io.jcri.oci.cgroup;

import io.jcri.oci.OciException;
import io.jcri.oci.fs.KernelFiles;
import io.jcri.oci.sys.Syscalls;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pod cgroups with the cgroupfs driver on cgroup v1 (one directory per hierarchy) or v2 (one tree), and the
 * naming of the systemd driver. Paths given and returned are relative to the hierarchy roots, e.g.
 * {@code /jcri/pod-<id>}.
 */
public final class CgroupManager {
    private static final Logger LOG = LoggerFactory.getLogger(CgroupManager.class);
    private static final Duration REMOVE_RETRY = Duration.ofSeconds(2);
    private static final List<String> V2_CONTROLLERS = List.of("cpu", "cpuset", "memory", "pids");

    private final CgroupLayout layout;
    private final CgroupDriver driver;

    public CgroupManager(CgroupLayout layout, CgroupDriver driver) {
        this.layout = layout;
        this.driver = driver;
    }

    /** The manager for this host's cgroups under /sys/fs/cgroup. */
    public static CgroupManager forHost(CgroupDriver driver) {
        try {
            return new CgroupManager(CgroupLayout.parse(Files.readString(Path.of("/proc/self/mountinfo")),
                    "/sys/fs/cgroup"), driver);
        } catch (IOException e) {
            throw new OciException("cannot read /proc/self/mountinfo: " + e.getMessage(), e);
        }
    }

    public CgroupLayout layout() {
        return layout;
    }

    /**
     * Why {@code parent} cannot be a pod's cgroup parent with this driver, or empty when it can; callers check a
     * parent from a client with this before {@link #podCgroup}.
     */
    public Optional<String> parentProblem(String parent) {
        return switch (driver) {
            case CGROUPFS -> parent.endsWith(".slice") ? Optional.of("cgroup parent '" + parent
                    + "' is a systemd slice but the cgroup driver is cgroupfs") : Optional.empty();
            case SYSTEMD -> {
                String slice = slice(parent);
                yield slice.endsWith(".slice") && SystemdSlices.isValid(slice) ? Optional.empty()
                        : Optional.of("cgroup parent '" + parent
                        + "' must be a slice name (like jcri.slice) with the systemd cgroup driver");
            }
        };
    }

    /** The cgroup path of pod {@code id} under {@code parent} (a path, or a slice name with the systemd driver). */
    public String podCgroup(String parent, String id) {
        parentProblem(parent).ifPresent(problem -> {
            throw new IllegalArgumentException(problem);
        });
        return switch (driver) {
            case CGROUPFS -> (parent.endsWith("/") ? parent : parent + "/") + "pod-" + id;
            case SYSTEMD -> SystemdSlices.expand(SystemdSlices.child(slice(parent), "pod" + id));
        };
    }

    /** The configured default is a path ("/jcri"); one plain component stands for its slice. */
    private static String slice(String parent) {
        return parent.matches("/[A-Za-z0-9_]+") ? parent.substring(1) + ".slice" : parent;
    }

    /** Creates {@code path} in every hierarchy and applies {@code resources}; all or nothing. */
    public void create(String path, CgroupResources resources) {
        try {
            for (CgroupLayout.Hierarchy h : layout.hierarchies()) {
                Path dir = dir(h, path);
                if (layout.unified()) {
                    enableControllers(h, path);
                }
                makeDirs(dir);
                if (!layout.unified() && h.has("cpuset")) {
                    inheritCpuset(h, path);
                }
            }
            apply(path, resources);
        } catch (IOException | RuntimeException e) {
            OciException failure = e instanceof OciException oe ? oe
                    : new OciException("creating cgroup " + path + ": " + e.getMessage(), e);
            try {
                remove(path);
            } catch (OciException undo) {
                failure.addSuppressed(undo);
            }
            throw failure;
        }
    }

    /** Sets the limits of an existing cgroup; zero values leave a limit as it is. */
    public void apply(String path, CgroupResources r) {
        if (layout.unified()) {
            Path dir = dir(layout.hierarchies().getFirst(), path);
            if (r.cpuShares() > 0) {
                write(dir.resolve("cpu.weight"), Long.toString(1 + ((r.cpuShares() - 2) * 9999) / 262142));
            }
            if (r.cpuQuotaUs() > 0 || r.cpuPeriodUs() > 0) {
                long period = r.cpuPeriodUs() > 0 ? r.cpuPeriodUs() : 100_000;
                write(dir.resolve("cpu.max"), (r.cpuQuotaUs() > 0 ? Long.toString(r.cpuQuotaUs()) : "max") + " "
                        + period);
            }
            if (r.memoryLimit() > 0) {
                write(dir.resolve("memory.max"), Long.toString(r.memoryLimit()));
            }
            writeCpuset(dir, r);
            return;
        }
        hierarchy("cpu").ifPresent(h -> {
            Path dir = dir(h, path);
            if (r.cpuShares() > 0) {
                write(dir.resolve("cpu.shares"), Long.toString(r.cpuShares()));
            }
            if (r.cpuPeriodUs() > 0) {
                write(dir.resolve("cpu.cfs_period_us"), Long.toString(r.cpuPeriodUs()));
            }
            if (r.cpuQuotaUs() > 0) {
                write(dir.resolve("cpu.cfs_quota_us"), Long.toString(r.cpuQuotaUs()));
            }
        });
        hierarchy("memory").ifPresent(h -> {
            if (r.memoryLimit() > 0) {
                write(dir(h, path).resolve("memory.limit_in_bytes"), Long.toString(r.memoryLimit()));
            }
        });
        hierarchy("cpuset").ifPresent(h -> writeCpuset(dir(h, path), r));
    }

    /** The limits currently set on {@code path}, in v1 units; unlimited values read as 0. */
    public CgroupResources read(String path) {
        if (layout.unified()) {
            Path dir = dir(layout.hierarchies().getFirst(), path);
            long weight = readLong(dir.resolve("cpu.weight"));
            String[] max = readString(dir.resolve("cpu.max")).split(" ");
            return new CgroupResources(weight > 0 ? 2 + ((weight - 1) * 262142) / 9999 : 0,
                    max.length == 2 && !max[0].equals("max") ? Long.parseLong(max[0]) : 0,
                    max.length == 2 ? Long.parseLong(max[1]) : 0, readLong(dir.resolve("memory.max")),
                    readString(dir.resolve("cpuset.cpus")), readString(dir.resolve("cpuset.mems")));
        }
        Optional<Path> cpu = hierarchy("cpu").map(h -> dir(h, path));
        Optional<Path> cpuset = hierarchy("cpuset").map(h -> dir(h, path));
        long memory = hierarchy("memory").map(h -> readLong(dir(h, path).resolve("memory.limit_in_bytes")))
                .orElse(0L);
        return new CgroupResources(cpu.map(d -> readLong(d.resolve("cpu.shares"))).orElse(0L),
                cpu.map(d -> readLong(d.resolve("cpu.cfs_quota_us"))).orElse(0L),
                cpu.map(d -> readLong(d.resolve("cpu.cfs_period_us"))).orElse(0L),
                // v1 reports "no limit" as a huge page-rounded number.
                memory >= Long.MAX_VALUE / 2 ? 0 : memory,
                cpuset.map(d -> readString(d.resolve("cpuset.cpus"))).orElse(""),
                cpuset.map(d -> readString(d.resolve("cpuset.mems"))).orElse(""));
    }

    /** Moves process {@code pid} into {@code path} in every hierarchy. */
    public void addProcess(String path, long pid) {
        for (CgroupLayout.Hierarchy h : layout.hierarchies()) {
            write(dir(h, path).resolve("cgroup.procs"), Long.toString(pid));
        }
    }

    /** Whether {@code path} exists in any hierarchy. */
    public boolean exists(String path) {
        return layout.hierarchies().stream().anyMatch(h -> Files.isDirectory(dir(h, path)));
    }

    /**
     * Removes {@code path} from every hierarchy, retrying briefly while the kernel still counts exiting tasks
     * (EBUSY); a path already gone is fine. Parents are left alone: they may be shared or the caller's.
     */
    public void remove(String path) {
        List<String> failures = new ArrayList<>();
        for (CgroupLayout.Hierarchy h : layout.hierarchies()) {
            Path dir = dir(h, path);
            long deadline = System.nanoTime() + REMOVE_RETRY.toNanos();
            while (Files.isDirectory(dir)) {
                try {
                    Files.deleteIfExists(dir);
                    break;
                } catch (NoSuchFileException e) {
                    break;
                } catch (FileSystemException e) {
                    // Only EBUSY passes: the kernel has not yet let go of exiting tasks.
                    if (!"Device or resource busy".equals(e.getReason()) || System.nanoTime() > deadline) {
                        failures.add(dir + ": " + e.getReason());
                        break;
                    }
                    sleep();
                } catch (IOException e) {
                    failures.add(dir + ": " + e.getMessage());
                    break;
                }
            }
        }
        if (!failures.isEmpty()) {
            throw new OciException("removing cgroup " + path + ": " + String.join("; ", failures));
        }
        LOG.debug("removed cgroup {}", path);
    }

    private Optional<CgroupLayout.Hierarchy> hierarchy(String controller) {
        return layout.hierarchies().stream().filter(h -> h.has(controller)).findFirst();
    }

    private static Path dir(CgroupLayout.Hierarchy h, String path) {
        String relative = path.startsWith("/") ? path.substring(1) : path;
        Path dir = Path.of(h.mountPoint()).resolve(relative).normalize();
        if (!dir.startsWith(h.mountPoint())) {
            throw new IllegalArgumentException("cgroup path '" + path + "' leaves the cgroup hierarchy");
        }
        return dir;
    }

    /** v1 cpuset cgroups start with empty cpus/mems and then refuse tasks: copy them down from the parents. */
    private static void inheritCpuset(CgroupLayout.Hierarchy h, String path) {
        Path root = Path.of(h.mountPoint());
        Path current = root;
        for (Path part : root.relativize(dir(h, path))) {
            Path child = current.resolve(part);
            for (String f : List.of("cpuset.cpus", "cpuset.mems")) {
                if (readString(child.resolve(f)).isEmpty()) {
                    write(child.resolve(f), readString(current.resolve(f)));
                }
            }
            current = child;
        }
    }

    /** v2: a controller is usable in a cgroup only when every ancestor delegates it through subtree_control. */
    /**
     * Creates the missing directories of {@code dir} with 0755, whatever jcri's umask (077): the runtime of a
     * user-namespaced container (root inside, not on the host) must reach its own cgroup, and monitoring agents
     * read cgroups as any user.
     */
    private static void makeDirs(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        makeDirs(dir.getParent());
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException raced) {
            return; // whoever made it sets its mode
        }
        Syscalls.chmod(dir.toString(), 0755);
    }

    private static void enableControllers(CgroupLayout.Hierarchy h, String path) throws IOException {
        Path root = Path.of(h.mountPoint());
        Path current = root;
        String available = readString(root.resolve("cgroup.controllers"));
        List<String> wanted = V2_CONTROLLERS.stream().filter(c -> List.of(available.split(" ")).contains(c))
                .toList();
        for (Path part : root.relativize(dir(h, path))) {
            String control = readString(current.resolve("cgroup.subtree_control"));
            for (String c : wanted) {
                if (!List.of(control.split(" ")).contains(c)) {
                    write(current.resolve("cgroup.subtree_control"), "+" + c);
                }
            }
            current = current.resolve(part);
            makeDirs(current);
        }
    }

    private static void writeCpuset(Path dir, CgroupResources r) {
        if (!r.cpusetCpus().isEmpty()) {
            write(dir.resolve("cpuset.cpus"), r.cpusetCpus());
        }
        if (!r.cpusetMems().isEmpty()) {
            write(dir.resolve("cpuset.mems"), r.cpusetMems());
        }
    }

    private static void write(Path file, String value) {
        try {
            Files.writeString(file, value);
        } catch (IOException e) {
            throw new OciException("writing '" + value + "' to " + file + ": " + e.getMessage(), e);
        }
    }

    private static String readString(Path file) {
        try {
            return KernelFiles.read(file);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new OciException("reading " + file + ": " + e.getMessage(), e);
        }
    }

    private static long readLong(Path file) {
        String s = readString(file);
        return s.isEmpty() || s.equals("max") ? 0 : Long.parseLong(s);
    }

    private static void sleep() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OciException("interrupted while removing a cgroup", e);
        }
    }
}
