package io.jcri.oci.sys;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that waits in epoll for descriptors to become readable and completes a future for each: a pipe that
 * holds data or reached its end, a pidfd whose process ended ({@link ProcessExit}). Callers wait on the futures,
 * which parks a virtual thread without pinning its carrier, instead of polling with sleeps. A wait is one-shot:
 * after its future completes, the descriptor is watched again only when asked again. The owner of a descriptor
 * calls {@link #forget} before closing it.
 */
public final class Readiness {
    private static final Logger LOG = LoggerFactory.getLogger(Readiness.class);
    private static final LibC C = LibC.INSTANCE;
    private static final int EPOLL_CLOEXEC = 02000000;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    private static final int EPOLL_CTL_MOD = 3;
    private static final int EPOLLIN = 0x1;
    private static final int EPOLLONESHOT = 1 << 30;
    private static final int ENOENT = 2;
    private static final int EINTR = 4;
    /** {@code struct epoll_event} is packed on x86-64 (12 bytes), naturally aligned elsewhere (16). */
    private static final boolean PACKED = Platform.isIntel() && Platform.is64Bit();
    private static final int EVENT_BYTES = PACKED ? 12 : 16;
    private static final int DATA_OFFSET = PACKED ? 4 : 8;
    private static final int MAX_EVENTS = 64;
    private static final Readiness INSTANCE = new Readiness();

    private final ConcurrentMap<Integer, CompletableFuture<Void>> waiting = new ConcurrentHashMap<>();
    private final int epfd;

    private Readiness() {
        epfd = C.epoll_create1(EPOLL_CLOEXEC);
        if (epfd < 0) {
            throw ErrnoException.last("epoll_create1", "descriptor readiness");
        }
        Thread.ofPlatform().daemon().name("fd-readiness").start(this::run);
    }

    /**
     * Completes once {@code fd} can be read without waiting (data, end of file, a pidfd's process ended); the
     * same future while one is pending for {@code fd}.
     */
    public static CompletableFuture<Void> whenReadable(int fd) {
        return INSTANCE.watch(fd);
    }

    /** Stops watching {@code fd}, whose owner is about to close it; a pending wait is cancelled. */
    public static void forget(int fd) {
        INSTANCE.unwatch(fd);
    }

    private CompletableFuture<Void> watch(int fd) {
        CompletableFuture<Void> fresh = new CompletableFuture<>();
        CompletableFuture<Void> pending = waiting.putIfAbsent(fd, fresh);
        if (pending != null) {
            return pending;
        }
        // armed only once the future is in the map, where the thread finds it when the event comes
        byte[] event = event(fd);
        if (C.epoll_ctl(epfd, EPOLL_CTL_MOD, fd, event) != 0 && (Native.getLastError() != ENOENT
                || C.epoll_ctl(epfd, EPOLL_CTL_ADD, fd, event) != 0)) {
            waiting.remove(fd, fresh);
            fresh.completeExceptionally(ErrnoException.last("epoll_ctl", "fd " + fd));
        }
        return fresh;
    }

    private void unwatch(int fd) {
        C.epoll_ctl(epfd, EPOLL_CTL_DEL, fd, new byte[EVENT_BYTES]);
        CompletableFuture<Void> pending = waiting.remove(fd);
        if (pending != null) {
            pending.completeExceptionally(new CancellationException("fd " + fd + " closed"));
        }
    }

    private static byte[] event(int fd) {
        ByteBuffer b = ByteBuffer.allocate(EVENT_BYTES).order(ByteOrder.nativeOrder());
        b.putInt(0, EPOLLIN | EPOLLONESHOT);
        b.putLong(DATA_OFFSET, fd);
        return b.array();
    }

    private void run() {
        byte[] events = new byte[EVENT_BYTES * MAX_EVENTS];
        ByteBuffer view = ByteBuffer.wrap(events).order(ByteOrder.nativeOrder());
        while (true) {
            int n = C.epoll_wait(epfd, events, MAX_EVENTS, -1);
            if (n < 0) {
                int errno = Native.getLastError();
                if (errno != EINTR) {
                    LOG.error("epoll_wait failed (errno {}); descriptor waits now time out", errno);
                    return;
                }
                continue;
            }
            for (int i = 0; i < n; i++) {
                int fd = (int) view.getLong(i * EVENT_BYTES + DATA_OFFSET);
                CompletableFuture<Void> f = waiting.remove(fd);
                if (f != null) {
                    f.complete(null);
                }
            }
        }
    }
}
