package io.jcri.oci.runtime;

import io.jcri.oci.Executables;
import io.jcri.oci.OciException;
import io.jcri.oci.fs.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * Runs crun on a host with the hybrid cgroup layout (cgroup v1 hierarchies plus a cgroup2 mount holding a
 * controller), which crun 1.8 refuses. The launcher runs crun in a private mount namespace in which the cgroup2
 * mount is gone, so crun sees plain cgroup v1; mount propagation to and from the host is left unchanged, so
 * shared volumes still propagate.
 */
public final class HybridCgroupLauncher {
    static final Path UNIFIED = Path.of("/sys/fs/cgroup/unified");

    private HybridCgroupLauncher() {
    }

    /** Whether the host has the layout crun refuses: a cgroup2 mount at /sys/fs/cgroup/unified with controllers. */
    public static boolean hostIsHybrid() {
        try {
            Path controllers = UNIFIED.resolve("cgroup.controllers");
            return Files.exists(controllers) && !Files.readString(controllers).isBlank();
        } catch (IOException e) {
            throw new OciException("cannot read " + UNIFIED + "/cgroup.controllers: " + e.getMessage(), e);
        }
    }

    /** Whether {@code binary} is crun, the runtime that refuses the hybrid layout. */
    public static boolean needed(Path binary) {
        return binary.getFileName().toString().equals("crun") && hostIsHybrid();
    }

    /**
     * Writes the launcher for {@code binary} at {@code launcher}; empty on success, otherwise why it cannot be
     * made (the tools it needs are missing).
     */
    public static Optional<String> write(Path binary, Path launcher) {
        Optional<Path> unshare = Executables.find("unshare");
        Optional<Path> mount = Executables.find("mount");
        Optional<Path> umount = Executables.find("umount");
        if (unshare.isEmpty() || mount.isEmpty() || umount.isEmpty()) {
            return Optional.of(binary + " refuses the hybrid cgroup layout and unshare/mount/umount are missing");
        }
        String script = "#!/bin/sh\n"
                + "# Written by jcri: " + binary + " refuses the hybrid cgroup layout; run it where " + UNIFIED
                + " is not mounted.\n"
                + "exec " + unshare.get() + " --mount --propagation unchanged -- /bin/sh -c '"
                + mount.get() + " --make-private " + UNIFIED + " && " + umount.get() + " " + UNIFIED
                + " && exec \"$0\" \"$@\"' " + binary + " \"$@\"\n";
        try {
            AtomicFiles.write(launcher, script.getBytes(StandardCharsets.UTF_8));
            Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot write the launcher " + launcher + ": " + e.getMessage());
        }
    }
}
