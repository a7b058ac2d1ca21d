package io.jcri.server;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A UNIX socket that root and one group may use, and nobody else, from the first moment it exists at its path:
 * the CRI socket and the inspect socket.
 */
public final class RestrictedSocket {
    private RestrictedSocket() {
    }

    /** What binds and starts a server on a socket path. */
    public interface Binder {
        void bind(Path socket) throws IOException;
    }

    /**
     * Binds through {@code binder} with mode 0660 and group {@code group} ({@code groupKey} names the setting in
     * errors). A socket is created with the mode the process umask leaves (0755 as usual), and the umask cannot be
     * narrowed around the bind without narrowing every file other threads create meanwhile; so the socket is bound
     * in a fresh directory only root can enter, given its mode and group there, and then renamed into place.
     */
    public static void bind(Path socket, String group, String groupKey, Binder binder) throws IOException {
        GroupPrincipal principal;
        try {
            principal = socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
        } catch (IOException e) {
            throw new DaemonStartException(groupKey + " '" + group + "' is not a group on this host");
        }
        Path dir = socket.resolveSibling("." + socket.getFileName() + ".b");
        Path staged = dir.resolve("s");
        // A daemon killed while binding leaves the directory and its socket behind; the caller holds the state lock.
        Files.deleteIfExists(staged);
        Files.deleteIfExists(dir);
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            binder.bind(staged);
            Files.setPosixFilePermissions(staged, PosixFilePermissions.fromString("rw-rw----"));
            Files.getFileAttributeView(staged, PosixFileAttributeView.class).setGroup(principal);
            Files.move(staged, socket, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(staged);
            Files.deleteIfExists(dir);
        }
    }

    /** Whether a server answers on {@code socket} (a file left by a dead one does not). */
    public static boolean answers(Path socket) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
