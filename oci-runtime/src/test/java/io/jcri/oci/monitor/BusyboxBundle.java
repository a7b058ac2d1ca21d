package io.jcri.oci.monitor;

import io.jcri.oci.fs.AtomicFiles;
import io.jcri.oci.spec.OciDefaults;
import io.jcri.oci.spec.OciSpec;
import io.jcri.oci.spec.OciSpecJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A throw-away OCI bundle whose rootfs is busybox-static with its applets as relative symlinks. */
final class BusyboxBundle {
    /** The cgroup the test containers go under; {@link #removeCgroups} takes it away again. */
    static final String CGROUP_PARENT = "jcri-test-" + ProcessHandle.current().pid();

    private BusyboxBundle() {
    }

    /** Removes the test cgroup parent (emptied by the runtimes' delete) from every hierarchy. */
    static void removeCgroups() throws IOException {
        try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.toList()) {
                Path parent = h.resolve(CGROUP_PARENT);
                if (Files.isDirectory(parent)) {
                    try (var dirs = Files.walk(parent)) {
                        for (Path d : dirs.filter(Files::isDirectory).sorted(java.util.Comparator.reverseOrder())
                                .toList()) {
                            Files.delete(d);
                        }
                    }
                }
            }
        }
    }

    static Path create(Path dir, List<String> args) throws IOException, InterruptedException {
        Path rootfs = dir.resolve("rootfs");
        Path bin = rootfs.resolve("bin");
        Files.createDirectories(bin);
        for (String d : List.of("proc", "sys", "dev", "etc", "tmp")) {
            Files.createDirectories(rootfs.resolve(d));
        }
        Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
        Process p = new ProcessBuilder("/bin/busybox", "--list").start();
        for (String applet : new String(p.getInputStream().readAllBytes()).split("\n")) {
            if (!applet.isBlank() && !applet.equals("busybox")) {
                Files.createSymbolicLink(bin.resolve(applet.strip()), Path.of("busybox"));
            }
        }
        p.waitFor();
        OciSpec spec = new OciSpec(OciSpec.VERSION,
                new OciSpec.Process(false, new OciSpec.User(0, 0, null, null), args,
                        List.of(OciDefaults.DEFAULT_PATH), "/",
                        OciSpec.Capabilities.of(OciDefaults.DEFAULT_CAPABILITIES),
                        List.of(new OciSpec.Rlimit("RLIMIT_NOFILE", 1024, 1024)), true, null, null, null),
                new OciSpec.Root(rootfs.toString(), false), "busybox", OciDefaults.standardMounts(false), null, null,
                new OciSpec.Linux(null, null, null,
                        new OciSpec.Resources(OciDefaults.defaultDeviceRules(), null, null, null, null, null),
                        "/" + CGROUP_PARENT + "/" + dir.getFileName(),
                        List.of(new OciSpec.Namespace("pid", null), new OciSpec.Namespace("mount", null),
                                new OciSpec.Namespace("ipc", null), new OciSpec.Namespace("uts", null)),
                        null, null, null, OciDefaults.MASKED_PATHS, OciDefaults.READONLY_PATHS, null));
        AtomicFiles.write(dir.resolve("config.json"), OciSpecJson.write(spec));
        return dir;
    }
}
