package io.jcri.oci.exec;

import io.jcri.oci.sys.ErrnoException;
import io.jcri.oci.sys.LibC;
import io.jcri.oci.sys.Syscalls;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A pseudo-terminal pair: jcri keeps the master, a spawned process gets the slave as stdin, stdout and stderr.
 * Neither end ever becomes a controlling terminal of the daemon.
 */
final class Pty implements AutoCloseable {
    private static final LibC C = LibC.INSTANCE;
    private static final int O_RDWR = 2;
    private static final int O_NOCTTY = 0400;
    private static final int O_NONBLOCK = 04000;
    private static final long TIOCSWINSZ = 0x5414;
    private static final byte EOT = 4;

    private final int master;
    private final String slavePath;
    private boolean closed;
    private Thread reader;

    private Pty(int master, String slavePath) {
        this.master = master;
        this.slavePath = slavePath;
    }

    static Pty open() {
        int fd = C.posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | Syscalls.O_CLOEXEC);
        if (fd < 0) {
            throw ErrnoException.last("posix_openpt", "/dev/ptmx");
        }
        try {
            if (C.grantpt(fd) != 0) {
                throw ErrnoException.last("grantpt", "pty " + fd);
            }
            if (C.unlockpt(fd) != 0) {
                throw ErrnoException.last("unlockpt", "pty " + fd);
            }
            byte[] name = new byte[128];
            int rc = C.ptsname_r(fd, name, name.length);
            if (rc != 0) {
                throw new ErrnoException("ptsname_r", "pty " + fd, rc);
            }
            int len = 0;
            while (len < name.length && name[len] != 0) {
                len++;
            }
            return new Pty(fd, new String(name, 0, len, StandardCharsets.US_ASCII));
        } catch (RuntimeException e) {
            C.close(fd);
            throw e;
        }
    }

    /**
     * Opens the slave for a child to inherit; the caller closes it once the child has it. O_NOCTTY: it must never
     * become the daemon's controlling terminal.
     */
    int openSlave() {
        int fd = C.open(slavePath, O_RDWR | O_NOCTTY | Syscalls.O_CLOEXEC, 0);
        if (fd < 0) {
            throw ErrnoException.last("open", slavePath);
        }
        return fd;
    }

    /** What the terminal shows; one reader per pty. */
    synchronized InputStream output(String name) {
        FdStreams.Pipe pipe = new FdStreams.Pipe();
        reader = FdStreams.readLoop(master, name, 8192, (buf, n) -> pipe.write(buf, 0, n), pipe::close);
        return pipe.in;
    }

    /** Typing into the terminal; closing it sends end-of-file (^D) as a terminal would. */
    OutputStream input(String name) {
        return FdStreams.output(master, name, 4096, () -> C.write(master, new byte[] {EOT}, 1));
    }

    /** Sets the window size (the caller tells the process, which has no controlling terminal to signal it). */
    void resize(int width, int height) {
        short[] winsize = {(short) height, (short) width, 0, 0};
        if (C.ioctl(master, TIOCSWINSZ, winsize) != 0) {
            throw ErrnoException.last("ioctl(TIOCSWINSZ)", slavePath);
        }
    }

    /** Stops the reader, then closes the master (never under a thread still polling its number). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (reader != null) {
            reader.interrupt();
            try {
                reader.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        C.close(master);
    }
}
