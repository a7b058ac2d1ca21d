package io.jcri.oci.ns;

import io.jcri.oci.OciException;
import io.jcri.oci.sys.ErrnoException;
import io.jcri.oci.sys.LibC;
import io.jcri.oci.sys.Syscalls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads files that show the network namespace of the reading thread ({@code /proc/thread-self/net/...}) for
 * any pod, on one platform thread kept for that job: it enters the pod's network namespace, reads, and returns
 * to the host's before the next read. Pod stats read every pod's counters each time kubelet asks; a thread made
 * and thrown away per pod cost more than the read. A thread that cannot return to the host's namespace is
 * retired at once and a new one takes over, so no other work ever runs in a pod's namespace.
 */
public final class NetnsReader {
    private static final Logger LOG = LoggerFactory.getLogger(NetnsReader.class);
    private static final Path HOST_NETNS = Path.of("/proc/self/ns/net");

    private final Duration timeout;
    private ExecutorService thread;

    public NetnsReader(Duration timeout) {
        this.timeout = timeout;
    }

    /** What {@code read} returns for the namespace pinned at {@code netns}, read from inside it. */
    public <T> T read(Path netns, Function<Path, T> read) {
        Future<T> f = executor().submit(() -> inside(netns, read));
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new OciException("reading in " + netns + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new OciException("reading in " + netns + " did not finish within " + timeout.toSeconds() + "s",
                    true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OciException("interrupted while reading in " + netns, e);
        }
    }

    private synchronized ExecutorService executor() {
        if (thread == null || thread.isShutdown()) {
            thread = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("netns-reader").factory());
        }
        return thread;
    }

    private <T> T inside(Path netns, Function<Path, T> read) {
        int host = open(HOST_NETNS);
        try {
            enter(netns);
            try {
                return read.apply(netns);
            } finally {
                if (LibC.INSTANCE.setns(host, NsType.NET.flag()) != 0) {
                    retire(ErrnoException.last("setns", "back to the host network namespace"));
                }
            }
        } finally {
            LibC.INSTANCE.close(host);
        }
    }

    /** This thread is stuck in a pod's namespace: it takes no further work (the next read gets a new one). */
    private synchronized void retire(ErrnoException why) {
        LOG.error("netns reader cannot return to the host network namespace; replacing it: {}", why.getMessage());
        thread.shutdown();
        throw why;
    }

    private static void enter(Path netns) {
        int fd = open(netns);
        try {
            if (LibC.INSTANCE.setns(fd, NsType.NET.flag()) != 0) {
                throw ErrnoException.last("setns", netns + " net");
            }
        } finally {
            LibC.INSTANCE.close(fd);
        }
    }

    private static int open(Path p) {
        int fd = LibC.INSTANCE.open(p.toString(), Syscalls.O_CLOEXEC, 0);
        if (fd < 0) {
            throw ErrnoException.last("open", p.toString());
        }
        return fd;
    }
}
