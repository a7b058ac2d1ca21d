package io.jcri.oci.mount;

import io.jcri.oci.OciException;
import io.jcri.oci.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A container's root filesystem: overlayfs with the image's layers as lower dirs and a writable layer of its own.
 * Layout under the container directory: {@code rootfs/} (the mount point), {@code upper/}, {@code work/}.
 */
public final class RootfsOverlay {
    private RootfsOverlay() {
    }

    /**
     * Mounts the overlay and returns the mount point. An image of a single layer with a read-only rootfs still
     * gets an upper dir: the runtime makes the root read-only, and the layout stays the same for every container.
     *
     * @param layers the image's layer dirs, lowest first (overlayfs wants the top one first)
     */
    public static Path mount(Path containerDir, List<Path> layers) {
        Path rootfs = containerDir.resolve("rootfs");
        Path upper = containerDir.resolve("upper");
        Path work = containerDir.resolve("work");
        try {
            Files.createDirectories(rootfs);
            Files.createDirectories(upper);
            Files.createDirectories(work);
            // The merged root takes the upper dir's mode: 0755 as in any image, whatever jcri's umask (077).
            Syscalls.chmod(upper.toString(), 0755);
        } catch (IOException e) {
            throw new OciException("cannot prepare " + containerDir + ": " + e.getMessage(), e);
        }
        if (layers.isEmpty()) {
            throw new OciException("an image without layers cannot be a root filesystem");
        }
        List<String> lower = new ArrayList<>();
        for (int i = layers.size() - 1; i >= 0; i--) {
            lower.add(layers.get(i).toString());
        }
        String data = "lowerdir=" + String.join(":", lower) + ",upperdir=" + upper + ",workdir=" + work;
        if (data.length() >= 4096) {
            throw new OciException("the overlay options for " + containerDir + " exceed a page (" + layers.size()
                    + " layers)");
        }
        Syscalls.umount(rootfs.toString(), Syscalls.MNT_DETACH);
        Syscalls.mount("overlay", rootfs.toString(), "overlay", 0, data);
        return rootfs;
    }

    /**
     * Mounts an image volume of the container ({@code image-volumes/<index>}): overlayfs of the image's layers with
     * no upper dir, read-only, noexec, nosuid and nodev. Overlayfs wants two lower dirs when there is no upper, so
     * an image of one layer gets an empty directory on top. The layers' paths stay in the mount's options, which is
     * how garbage collection sees them in use.
     *
     * @return the mount point
     */
    public static Path mountImageVolume(Path containerDir, int index, List<Path> layers) {
        Path volumes = containerDir.resolve("image-volumes");
        Path target = volumes.resolve(Integer.toString(index));
        Path empty = volumes.resolve("empty");
        try {
            Files.createDirectories(target);
            Files.createDirectories(empty);
        } catch (IOException e) {
            throw new OciException("cannot prepare " + target + ": " + e.getMessage(), e);
        }
        if (layers.isEmpty()) {
            throw new OciException("an image without layers cannot be mounted");
        }
        List<String> lower = new ArrayList<>();
        if (layers.size() == 1) {
            lower.add(empty.toString());
        }
        for (int i = layers.size() - 1; i >= 0; i--) {
            lower.add(layers.get(i).toString());
        }
        String data = "lowerdir=" + String.join(":", lower);
        if (data.length() >= 4096) {
            throw new OciException("the overlay options of image volume " + target + " exceed a page ("
                    + layers.size() + " layers)");
        }
        Syscalls.mount("overlay", target.toString(), "overlay",
                Syscalls.MS_RDONLY | Syscalls.MS_NOEXEC | Syscalls.MS_NOSUID | Syscalls.MS_NODEV, data);
        return target;
    }

    /** Unmounts the rootfs and the image volumes (not mounted is fine). */
    public static void unmount(Path containerDir) {
        Syscalls.umount(containerDir.resolve("rootfs").toString(), Syscalls.MNT_DETACH);
        try (var volumes = Files.list(containerDir.resolve("image-volumes"))) {
            for (Path v : volumes.filter(p -> !p.getFileName().toString().equals("empty")).toList()) {
                Syscalls.umount(v.toString(), Syscalls.MNT_DETACH);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // a container without image volumes
        } catch (IOException e) {
            throw new OciException("cannot list the image volumes of " + containerDir + ": " + e.getMessage(), e);
        }
    }
}
