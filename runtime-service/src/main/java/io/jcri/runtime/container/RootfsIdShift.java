package io.jcri.runtime.container;

import io.jcri.cri.CriException;
import io.jcri.oci.spec.OciSpec;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * Gives a container's root filesystem the owners it has inside the pod's user namespace, as CRI-O does where the
 * root cannot be an ID-mapped mount (overlayfs itself cannot be): every file's owner is shifted by the mapping, in
 * the container's writable layer (overlayfs copies each file up). Links are never followed out of the rootfs.
 */
final class RootfsIdShift {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private RootfsIdShift() {
    }

    static void shift(Path rootfs, List<OciSpec.IdMapping> uids, List<OciSpec.IdMapping> gids) {
        try {
            Files.walkFileTree(rootfs, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    shiftOne(dir, uids, gids);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    shiftOne(file, uids, gids);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new CriException(io.jcri.cri.ErrorKind.INTERNAL, "cannot give the root filesystem "
                    + rootfs + " the owners of the pod's user namespace: " + e.getMessage(), e);
        }
    }

    private static void shiftOne(Path p, List<OciSpec.IdMapping> uids, List<OciSpec.IdMapping> gids)
            throws IOException {
        int uid = (Integer) Files.getAttribute(p, "unix:uid", NOFOLLOW);
        int gid = (Integer) Files.getAttribute(p, "unix:gid", NOFOLLOW);
        int mode = (Integer) Files.getAttribute(p, "unix:mode", NOFOLLOW);
        Files.setAttribute(p, "unix:uid", map(uid, uids), NOFOLLOW);
        Files.setAttribute(p, "unix:gid", map(gid, gids), NOFOLLOW);
        // chown clears the set-user-ID and set-group-ID bits the image gave the file
        if (!Files.isSymbolicLink(p) && (mode & 06000) != 0) {
            Files.setAttribute(p, "unix:mode", mode & 07777, NOFOLLOW);
        }
    }

    /** The host ID of a container ID; one outside every mapping stays as it is (it shows as the overflow ID). */
    static int map(int id, List<OciSpec.IdMapping> mappings) {
        long unsigned = Integer.toUnsignedLong(id);
        for (OciSpec.IdMapping m : mappings) {
            if (unsigned >= m.containerID() && unsigned < m.containerID() + m.size()) {
                return (int) (m.hostID() + unsigned - m.containerID());
            }
        }
        return id;
    }
}
