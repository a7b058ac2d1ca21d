package io.jcri.image.layer;

import io.jcri.oci.sys.Syscalls;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Writes a layer file, leaving holes where told, and starts its disk writeback every {@link #STEP} bytes. A layer
 * becomes visible only after a syncfs; without this the kernel holds a pull's data in the page cache (far below its
 * writeback threshold) and that syncfs writes all of it while the pull waits. Started early, the writeback overlaps
 * the download. Small files cost no system call.
 */
final class WritebackOutputStream extends OutputStream {
    static final long STEP = 8L << 20;

    private final FileChannel out;
    private final Path path;
    private int fd = -1;
    /** The file offset reached, holes included. */
    private long written;
    private long flushed;

    /** @param out the channel writing {@code path}, positioned at its start; closed with this stream */
    WritebackOutputStream(FileChannel out, Path path) {
        this.out = out;
        this.path = path;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        while (buf.hasRemaining()) {
            out.write(buf);
        }
        written += len;
        if (written - flushed >= STEP) {
            startWriteback();
        }
    }

    /** Skips {@code n} bytes of zeros, which the file reads back without them taking disk space. */
    void hole(long n) throws IOException {
        if (written > flushed) {
            startWriteback();
        }
        written += n;
        flushed = written;
        out.position(written);
    }

    private void startWriteback() {
        if (fd < 0) {
            fd = Syscalls.openReadOnly(path.toString());
        }
        Syscalls.startWriteback(fd, flushed, written - flushed);
        flushed = written;
    }

    @Override
    public void close() throws IOException {
        try {
            try {
                if (out.size() < written) {
                    // a trailing hole: the file still needs its length, which one written byte gives it
                    out.write(ByteBuffer.wrap(new byte[1]), written - 1);
                }
            } finally {
                out.close();
            }
            if (fd >= 0 && written > flushed) {
                startWriteback();
            }
        } finally {
            if (fd >= 0) {
                Syscalls.close(fd);
                fd = -1;
            }
        }
    }
}
