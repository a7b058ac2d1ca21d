package io.jcri.oci.exec;

import io.jcri.oci.OciException;
import io.jcri.oci.sys.ErrnoException;
import io.jcri.oci.sys.LibC;
import io.jcri.oci.sys.Syscalls;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * A client of conmon's attach socket ({@code <bundle>/attach}, SOCK_SEQPACKET): conmon sends each chunk of the
 * container's output as one packet whose first byte names the stream (2 stdout, 3 stderr) and takes packets
 * written to it as the container's stdin; shutting down the write side closes the container's stdin when it was
 * created with stdin-once. Terminal resizes go through conmon's control fifo ({@code <bundle>/ctl}).
 */
public final class ConmonAttach implements StreamSession {
    private static final LibC C = LibC.INSTANCE;
    private static final int AF_UNIX = 1;
    private static final int SOCK_SEQPACKET = 5;
    private static final int SOCK_NONBLOCK = 04000;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int O_WRONLY = 1;
    private static final int O_NONBLOCK = 04000;
    private static final int O_PATH = 010000000;
    private static final int O_DIRECTORY = 0200000;
    private static final int SHUT_WR = 1;
    /** conmon's STDIO_BUF_SIZE plus the stream byte. */
    private static final int PACKET = 8192 + 1;
    private static final int STDOUT_PIPE = 2;
    private static final int STDERR_PIPE = 3;
    private static final int WIN_RESIZE_EVENT = 1;

    private final String containerId;
    private final Path bundle;
    private final int socket;
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;
    private final CountDownLatch ended = new CountDownLatch(1);
    private final Thread reader;
    private boolean closed;

    private ConmonAttach(String containerId, Path bundle, int socket, boolean stdin, boolean stdout,
                         boolean stderr) {
        this.containerId = containerId;
        this.bundle = bundle;
        this.socket = socket;
        this.stdin = stdin ? FdStreams.output(socket, "attach-stdin-" + containerId, PACKET - 1,
                () -> C.shutdown(socket, SHUT_WR)) : null;
        FdStreams.Pipe out = stdout ? new FdStreams.Pipe() : null;
        FdStreams.Pipe err = stderr ? new FdStreams.Pipe() : null;
        this.stdout = out == null ? null : out.in;
        this.stderr = err == null ? null : err.in;
        this.reader = FdStreams.readLoop(socket, "attach-" + containerId, PACKET, (buf, n) -> {
            FdStreams.Pipe target = switch (buf[0]) {
                case STDOUT_PIPE -> out;
                case STDERR_PIPE -> err;
                default -> null;
            };
            if (target != null && n > 1) {
                target.write(buf, 1, n - 1);
            }
        }, () -> {
            if (out != null) {
                out.close();
            }
            if (err != null) {
                err.close();
            }
            ended.countDown();
        });
    }

    /**
     * Connects to the attach socket of the container whose bundle (conmon's {@code -b}) is {@code bundle}.
     * The socket is reached through the bundle directory's descriptor, so the path length limit of unix
     * sockets never applies.
     */
    public static ConmonAttach open(String containerId, Path bundle, boolean stdin, boolean stdout, boolean stderr) {
        int dir = C.open(bundle.toString(), O_PATH | O_DIRECTORY | Syscalls.O_CLOEXEC, 0);
        if (dir < 0) {
            throw ErrnoException.last("open", bundle.toString());
        }
        int fd = C.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        try {
            if (fd < 0) {
                throw ErrnoException.last("socket", "attach " + containerId);
            }
            String path = "/proc/self/fd/" + dir + "/attach";
            if (C.connect(fd, Syscalls.sockaddrUn(path.getBytes(StandardCharsets.UTF_8)), 2 + path.length() + 1) != 0) {
                ErrnoException e = ErrnoException.last("connect", bundle.resolve("attach").toString());
                C.close(fd);
                throw new OciException("cannot attach to container " + containerId + ": " + e.getMessage(), e);
            }
        } finally {
            C.close(dir);
        }
        if (C.fcntl(fd, 4 /* F_SETFL */, O_NONBLOCK) != 0) {
            ErrnoException e = ErrnoException.last("fcntl(O_NONBLOCK)", "attach " + containerId);
            C.close(fd);
            throw e;
        }
        return new ConmonAttach(containerId, bundle, fd, stdin, stdout, stderr);
    }

    @Override
    public OutputStream stdin() {
        return stdin;
    }

    @Override
    public InputStream stdout() {
        return stdout;
    }

    @Override
    public InputStream stderr() {
        return stderr;
    }

    /** Asks conmon to resize the container's terminal (it ignores this without one). */
    @Override
    public void resize(int width, int height) {
        String ctl = bundle.resolve("ctl").toString();
        int fd = C.open(ctl, O_WRONLY | O_NONBLOCK | Syscalls.O_CLOEXEC, 0);
        if (fd < 0) {
            throw ErrnoException.last("open", ctl);
        }
        try {
            byte[] msg = (WIN_RESIZE_EVENT + " " + height + " " + width + "\n").getBytes(StandardCharsets.US_ASCII);
            if (C.write(fd, msg, msg.length) != msg.length) {
                throw ErrnoException.last("write", ctl);
            }
        } finally {
            C.close(fd);
        }
    }

    /** Waits until conmon closes the socket (the container ended) or the session is closed; always 0. */
    @Override
    public int awaitExit() throws InterruptedException {
        ended.await();
        return 0;
    }

    /** Detaches: the container keeps running. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        reader.interrupt();
        try {
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        C.close(socket);
    }
}
