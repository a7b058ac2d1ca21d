package io.jcri.server;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Keeps two daemons apart: an exclusive lock on the state directory, and a check that no live server answers on
 * the socket before a stale socket file is replaced. Also binds the socket so that it appears at its path with
 * its mode and group already set.
 */
final class SocketGuard implements AutoCloseable {
    private final Path socket;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private SocketGuard(Path socket, FileChannel lockChannel, FileLock lock) {
        this.socket = socket;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Takes the state lock and clears the way for binding {@code socket}, or says why not. */
    static SocketGuard acquire(Path stateRoot, Path socket) throws IOException {
        Files.createDirectories(stateRoot);
        Files.createDirectories(socket.getParent());
        if (Files.exists(socket) && answers(socket)) {
            throw new DaemonStartException("a jcri (or another server) already serves on " + socket
                    + "; stop it first");
        }
        Path lockFile = stateRoot.resolve("jcri.lock");
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            ch.close();
            throw new DaemonStartException("another jcri holds " + lockFile + "; two daemons cannot share "
                    + stateRoot);
        }
        Files.deleteIfExists(socket);
        return new SocketGuard(socket, ch, lock);
    }

    /** What binds and starts a server on a socket path. */
    interface Binder {
        void bind(Path socket) throws IOException;
    }

    /**
     * Binds through {@code binder} with mode 0660 and group {@code group}, so that group members and root may
     * call, and nobody else, from the first moment the socket exists at its path. A socket is created with the
     * mode the process umask leaves (0755 as usual), and the umask cannot be narrowed around the bind without
     * narrowing every file other threads create meanwhile; so the socket is bound in a fresh directory only root
     * can enter, given its mode and group there, and then renamed into place.
     */
    void bind(String group, Binder binder) throws IOException {
        GroupPrincipal principal;
        try {
            principal = socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
        } catch (IOException e) {
            throw new DaemonStartException("server.socket_group '" + group + "' is not a group on this host");
        }
        Path dir = socket.resolveSibling("." + socket.getFileName() + ".b");
        Path staged = dir.resolve("s");
        // A daemon killed while binding leaves the directory and its socket behind; we hold the state lock.
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

    private static boolean answers(Path socket) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        Files.deleteIfExists(socket);
        lock.release();
        lockChannel.close();
    }
}
