package io.jcri.oci.exec;

import io.jcri.oci.sys.ErrnoException;
import io.jcri.oci.sys.LibC;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * Java streams over a raw non-blocking descriptor (a pty master, a SEQPACKET socket). Reading runs on a platform
 * thread of its own that waits in poll(2), so no virtual-thread carrier is ever held in a native call; writing
 * retries after a short sleep while the descriptor is full.
 */
final class FdStreams {
    private static final LibC C = LibC.INSTANCE;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final short POLLIN = 1;
    private static final int PIPE_BUFFER = 64 * 1024;

    private FdStreams() {
    }

    /**
     * Starts a reader thread that passes each chunk read from {@code fd} to {@code sink} until end of file (or
     * any error, such as the EIO a pty master reports once the last slave closed), then runs {@code atEnd}.
     */
    static Thread readLoop(int fd, String name, int chunk, BiConsumer<byte[], Integer> sink, Runnable atEnd) {
        return Thread.ofPlatform().daemon().name("fd-reader-" + name).start(() -> {
            byte[] buf = new byte[chunk];
            try {
                while (true) {
                    int[] pollfd = {fd, POLLIN};
                    if (C.poll(pollfd, 1, 500) < 0) {
                        if (com.sun.jna.Native.getLastError() == EINTR) {
                            continue;
                        }
                        return;
                    }
                    if ((pollfd[1] >>> 16) == 0) {
                        if (Thread.currentThread().isInterrupted()) {
                            return;
                        }
                        continue;
                    }
                    long n = C.read(fd, buf, buf.length);
                    if (n < 0) {
                        int errno = com.sun.jna.Native.getLastError();
                        if (errno == EAGAIN || errno == EINTR) {
                            continue;
                        }
                        return;
                    }
                    if (n == 0) {
                        return;
                    }
                    sink.accept(buf, (int) n);
                }
            } finally {
                atEnd.run();
            }
        });
    }

    /** A pipe whose write end a reader thread fills; the read end is virtual-thread friendly. */
    static final class Pipe {
        final PipedInputStream in;
        final PipedOutputStream out;

        Pipe() {
            try {
                in = new PipedInputStream(PIPE_BUFFER);
                out = new PipedOutputStream(in);
            } catch (IOException e) {
                throw new IllegalStateException("connecting a fresh pipe", e);
            }
        }

        /** Writes a chunk; false once the reading side is gone. */
        boolean write(byte[] buf, int off, int len) {
            try {
                out.write(buf, off, len);
                out.flush();
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        void close() {
            try {
                out.close();
            } catch (IOException e) {
                throw new IllegalStateException("closing a pipe", e);
            }
        }
    }

    /** Writes to {@code fd} in chunks of at most {@code maxChunk} (a packet each on a SEQPACKET socket). */
    static OutputStream output(int fd, String name, int maxChunk, Runnable onClose) {
        return new OutputStream() {
            private boolean closed;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) throws IOException {
                if (closed) {
                    throw new IOException(name + " is closed");
                }
                int done = 0;
                while (done < len) {
                    byte[] part = Arrays.copyOfRange(b, off + done, off + done + Math.min(maxChunk, len - done));
                    long n = C.write(fd, part, part.length);
                    if (n < 0) {
                        int errno = com.sun.jna.Native.getLastError();
                        if (errno == EAGAIN || errno == EINTR) {
                            pause();
                            continue;
                        }
                        throw new IOException(new ErrnoException("write", name, errno).getMessage());
                    }
                    done += (int) n;
                }
            }

            @Override
            public synchronized void close() {
                if (!closed) {
                    closed = true;
                    onClose.run();
                }
            }
        };
    }

    private static void pause() throws IOException {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing", e);
        }
    }
}
