package io.jcri.runtime.container;

import io.jcri.cri.CriException;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.Mount;
import io.jcri.image.ImageLease;
import io.jcri.image.ImageLeases;
import io.jcri.oci.mount.SecureJoin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Image volumes (KEP-4639, {@code Mount.image}): each image's layers mounted read-only, noexec, with no upper
 * dir, in the container's directory, and bound at the mount's container path (or its {@code image_sub_path},
 * resolved inside the image so that no link or {@code ..} leaves it). The overlay names the layers, which keeps
 * them from garbage collection while the container exists, as the rootfs keeps the container's own image.
 */
final class ImageVolumes {
    private ImageVolumes() {
    }

    /** Refuses image mounts that cannot work, before anything is made. */
    static void check(ContainerConfig c) {
        for (Mount m : c.getMountsList()) {
            if (m.getImage().getImage().isEmpty()) {
                continue;
            }
            if (!m.getHostPath().isEmpty()) {
                throw CriException.invalid("image volume at " + m.getContainerPath()
                        + " names a host path too");
            }
            String sub = m.getImageSubPath();
            if (sub.startsWith("/") || sub.indexOf('\0') >= 0 || Path.of(sub).normalize().startsWith("..")
                    || sub.contains("/../") || sub.endsWith("/..") || sub.equals("..")) {
                throw CriException.invalid("image_sub_path '" + sub + "' of the image volume at "
                        + m.getContainerPath() + " must be a relative path inside the image");
            }
        }
    }

    /**
     * Mounts every image volume of {@code c} (each image leased from lookup to mount) and returns the config with
     * their host paths set to what the container binds. The caller unmounts them with the rootfs.
     */
    static ContainerConfig mount(ImageLeases images, RootfsMounter mounter, Path containerDir, ContainerConfig c) {
        ContainerConfig.Builder out = c.toBuilder();
        for (int i = 0; i < c.getMountsCount(); i++) {
            Mount m = c.getMounts(i);
            String ref = m.getImage().getImage();
            if (ref.isEmpty()) {
                continue;
            }
            Path root;
            try (ImageLease lease = leaseOf(images, ref, m)) {
                root = mounter.mountImageVolume(containerDir, i, lease.layerDirs());
            }
            Path source = root;
            if (!m.getImageSubPath().isEmpty()) {
                try {
                    source = SecureJoin.resolve(root, m.getImageSubPath());
                } catch (IOException e) {
                    throw CriException.invalid("image_sub_path '" + m.getImageSubPath() + "' of image "
                            + ref + ": " + e.getMessage());
                }
                if (!Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
                    throw CriException.invalid("image_sub_path '" + m.getImageSubPath()
                            + "' does not exist in image " + ref + " (image volume at " + m.getContainerPath() + ")");
                }
            }
            out.setMounts(i, m.toBuilder().setHostPath(source.toString()).setReadonly(true));
        }
        return out.build();
    }

    private static ImageLease leaseOf(ImageLeases images, String ref, Mount m) {
        try {
            return images.lease(ref);
        } catch (CriException e) {
            if (e.kind() == io.jcri.cri.ErrorKind.NOT_FOUND) {
                throw CriException.notFound("image " + ref + " of the image volume at "
                        + m.getContainerPath() + " is not on this node; kubelet pulls it before CreateContainer");
            }
            throw new CriException(e.kind(), "image volume at " + m.getContainerPath() + ": "
                    + e.getMessage(), e);
        }
    }
}
