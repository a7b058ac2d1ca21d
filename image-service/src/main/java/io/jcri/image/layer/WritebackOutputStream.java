package io.jcri.image.layer;

import io.jcri.oci.sys.Syscalls;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * Writes a layer file and starts its disk writeback every {@link #STEP} bytes. A layer becomes visible only after
 * a syncfs; without this the kernel holds a pull's data in the page cache (far below its writeback threshold) and
 * that syncfs writes all of it while the pull waits. Started early, the writeback overlaps the download. Small
 * files cost no system call.
 */
final class WritebackOutputStream extends OutputStream {
    static final long STEP = 8L << 20;

    private final OutputStream out;
    private final Path path;
    private int fd = -1;
    private long written;
    private long flushed;

    /** @param out the unbuffered stream writing {@code path} */
    WritebackOutputStream(OutputStream out, Path path) {
        this.out = out;
        this.path = path;
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        advance(1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        advance(len);
    }

    private void advance(long n) {
        written += n;
        if (written - flushed >= STEP) {
            startWriteback();
        }
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
            out.close();
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
