package io.jcri.server;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

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
        if (Files.exists(socket) && RestrictedSocket.answers(socket)) {
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

    /** Binds the CRI socket through {@code binder} as {@link RestrictedSocket#bind} does. */
    void bind(String group, RestrictedSocket.Binder binder) throws IOException {
        RestrictedSocket.bind(socket, group, "server.socket_group", binder);
    }

    @Override
    public void close() throws IOException {
        Files.deleteIfExists(socket);
        lock.release();
        lockChannel.close();
    }
}
