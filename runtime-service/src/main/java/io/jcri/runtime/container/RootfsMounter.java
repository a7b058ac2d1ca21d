package io.jcri.runtime.container;

import io.jcri.oci.mount.RootfsOverlay;
import java.nio.file.Path;
import java.util.List;

/**
 * Mounts and unmounts a container's root filesystem in its directory. {@link #OVERLAY} is the real one; the seam
 * lets the container state machine be tested without root.
 */
public interface RootfsMounter {
    /** The overlay of the image's layers with the container's upper and work directories. */
    RootfsMounter OVERLAY = new RootfsMounter() {
        @Override
        public Path mount(Path containerDir, List<Path> layers) {
            return RootfsOverlay.mount(containerDir, layers);
        }

        @Override
        public Path mountImageVolume(Path containerDir, int index, List<Path> layers) {
            return RootfsOverlay.mountImageVolume(containerDir, index, layers);
        }

        @Override
        public void unmount(Path containerDir) {
            RootfsOverlay.unmount(containerDir);
        }
    };

    /** Mounts the rootfs of the container in {@code containerDir} over {@code layers} (lowest first); its path. */
    Path mount(Path containerDir, List<Path> layers);

    /** Mounts the layers read-only as the container's image volume number {@code index}; its path. */
    Path mountImageVolume(Path containerDir, int index, List<Path> layers);

    /** Unmounts it and the image volumes; nothing to do for what is not mounted. */
    void unmount(Path containerDir);
}
