package io.jcri.server;

import io.jcri.oci.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Keeps jcri's state and run roots closed to every account but root: pods' root filesystems and {@code /dev/shm},
 * exec specs carrying containers' environments and every record live under them. The daemon's umask becomes 077,
 * so what it and the processes it starts create is private from the start; at start the roots and what lies
 * directly under them lose their group and other bits, for directories an older jcri (or anyone) left open.
 */
final class PrivateRoots {
    /** Search permission only, for the directories named in {@link #secure}. */
    static final int TRAVERSE_ONLY = 0711;
    private static final int OWNER_ONLY = 0700;
    /**
     * Under the state root: the directory of containers' directories. A pod with its own user namespace is set up
     * by the runtime as the pod's root user, an unprivileged host ID, which must traverse to
     * {@code containers/<id>/rootfs}; {@code containers/<id>} itself is 0710 with that pod's group (else 0700).
     */
    static final String CONTAINERS = "containers";

    private PrivateRoots() {
    }

    /** Sets the umask and the modes described above, creating the roots when missing. */
    static void secure(Path stateRoot, Path runRoot) throws IOException {
        Syscalls.umask(077);
        closeModes(stateRoot, runRoot);
    }

    /** The modes without the umask (which is the whole process's). */
    static void closeModes(Path stateRoot, Path runRoot) throws IOException {
        // 0711: the path to a user-namespaced pod's rootfs (see CONTAINERS).
        secureRoot(stateRoot, Set.of(CONTAINERS));
        // 0711: members of server.socket_group reach the CRI and inspect sockets in the run root.
        secureRoot(runRoot, Set.of());
    }

    private static void secureRoot(Path root, Set<String> traversed) throws IOException {
        Files.createDirectories(root);
        Syscalls.chmod(root.toString(), TRAVERSE_ONLY);
        for (String name : traversed) {
            // made here, not later by the service that fills it: under umask 077 it would come out 0700
            Files.createDirectories(root.resolve(name));
        }
        try (Stream<Path> entries = Files.list(root)) {
            for (Path p : entries.toList()) {
                if (traversed.contains(p.getFileName().toString()) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Syscalls.chmod(p.toString(), TRAVERSE_ONLY);
                    closeChildren(p);
                } else {
                    close(p);
                }
            }
        }
    }

    /**
     * Each directory keeps its owner bits, and group search when it has a group of its own (a user-namespaced
     * pod's container directory, given the pod's group); the rest lose group and other bits.
     */
    private static void closeChildren(Path dir) throws IOException {
        Object ownGroup = Files.getAttribute(dir, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                PosixFileAttributes a = attributes(p);
                if (a != null && a.isDirectory()) {
                    boolean podGroup = !ownGroup.equals(Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS))
                            && a.permissions().contains(PosixFilePermission.GROUP_EXECUTE);
                    Syscalls.chmod(p.toString(), OWNER_ONLY | (podGroup ? 0010 : 0));
                }
            }
        }
    }

    /** Drops group and other bits of a directory or regular file; sockets keep the mode they were bound with. */
    private static void close(Path p) throws IOException {
        PosixFileAttributes a = attributes(p);
        if (a != null && (a.isDirectory() || a.isRegularFile())) {
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            Syscalls.chmod(p.toString(), mode & OWNER_ONLY);
        }
    }

    private static PosixFileAttributes attributes(Path p) throws IOException {
        try {
            return Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException gone) {
            return null;
        }
    }
}
