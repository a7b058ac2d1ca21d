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

    /** Unmounts the rootfs (not mounted is fine). */
    public static void unmount(Path containerDir) {
        Syscalls.umount(containerDir.resolve("rootfs").toString(), Syscalls.MNT_DETACH);
    }
}
