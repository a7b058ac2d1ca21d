package io.jcri.oci.ns;

import io.jcri.oci.OciException;
import io.jcri.oci.sys.ErrnoException;
import io.jcri.oci.sys.LibC;
import io.jcri.oci.sys.Syscalls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs work whose thread must be in other namespaces on a fresh platform thread that is thrown away afterwards.
 * Namespaces belong to a task (a thread) on Linux, so unsharing or entering them on that thread leaves the daemon's
 * other threads where they are, and no pooled or virtual-thread carrier ever ends up in a pod's namespaces.
 */
public final class NamespaceThread {

    private NamespaceThread() {
    }

    /** Runs {@code body} on a new platform thread and waits up to {@code timeout} for its result. */
    public static <T> T call(String what, Duration timeout, Callable<T> body) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().name("ns-" + what).daemon().unstarted(() -> {
            try {
                result.complete(body.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        t.start();
        try {
            return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new OciException(what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new OciException(what + " did not finish within " + timeout.toSeconds() + "s", true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OciException("interrupted during " + what, e);
        }
    }

    /** Moves the calling thread into the given namespaces; only for a thread started by {@link #call}. */
    public static void enter(Map<NsType, Path> namespaces) {
        namespaces.forEach((type, path) -> {
            int fd = LibC.INSTANCE.open(path.toString(), Syscalls.O_CLOEXEC, 0);
            if (fd < 0) {
                throw ErrnoException.last("open", path.toString());
            }
            try {
                if (LibC.INSTANCE.setns(fd, type.flag()) != 0) {
                    throw ErrnoException.last("setns", path + " " + type.procName());
                }
            } finally {
                LibC.INSTANCE.close(fd);
            }
        });
    }

    /** Gives the calling thread new namespaces of {@code flags}; only for a thread started by {@link #call}. */
    public static void unshare(int flags) {
        if (LibC.INSTANCE.unshare(flags) != 0) {
            throw ErrnoException.last("unshare", Integer.toHexString(flags));
        }
    }
}
