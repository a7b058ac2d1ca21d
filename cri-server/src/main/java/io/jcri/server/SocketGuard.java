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
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Keeps two daemons apart: an exclusive lock on the state directory, and a check that no live server answers on
 * the socket before a stale socket file is replaced. Also gives the socket its mode and group once bound.
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

    /** Mode 0660 and the configured group, so that group members and root may call, and nobody else. */
    void restrict(String group) throws IOException {
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
        GroupPrincipal principal;
        try {
            principal = socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
        } catch (IOException e) {
            throw new DaemonStartException("server.socket_group '" + group + "' is not a group on this host");
        }
        Files.getFileAttributeView(socket, PosixFileAttributeView.class).setGroup(principal);
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
