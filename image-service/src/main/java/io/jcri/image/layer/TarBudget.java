package io.jcri.image.layer;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Bounds what one layer's uncompressed tar may cost: all its bytes plus the holes of its sparse files at most the
 * configured maximum (a few KiB of gzip or zstd can inflate to terabytes), and the metadata of one entry (its
 * header, PAX records, long name, sparse map, which the tar reader holds in memory) at most
 * {@link #MAX_ENTRY_METADATA}. Going over either throws RESOURCE_EXHAUSTED, which is not retried.
 */
final class TarBudget extends FilterInputStream {
    static final int MAX_ENTRY_METADATA = 1 << 20;

    private final long max;
    private long used;
    private long metadataLeft = MAX_ENTRY_METADATA;
    private boolean inHeader = true;

    /** @param max the most bytes the layer may unpack to */
    TarBudget(InputStream in, long max) {
        super(in);
        this.max = max;
    }

    /** The tar reader is about to read the next entry's header and metadata. */
    void header() {
        inHeader = true;
        metadataLeft = MAX_ENTRY_METADATA;
    }

    /** The tar reader is about to read an entry's data. */
    void data() {
        inHeader = false;
    }

    /** Charges the holes of a sparse file, which the tar reader makes up without reading them. */
    void holes(String entry, long bytes) {
        charge(bytes, entry);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            charge(n, null);
            if (inHeader) {
                metadataLeft -= n;
                if (metadataLeft < 0) {
                    throw new CriException(ErrorKind.RESOURCE_EXHAUSTED, "layer has an entry whose tar metadata "
                            + "(header, PAX records, long name, sparse map) exceeds " + MAX_ENTRY_METADATA + " bytes");
                }
            }
        }
        return n;
    }

    /** Skipped bytes are read, so that the digest above sees them. */
    @Override
    public long skip(long n) throws IOException {
        byte[] scratch = new byte[(int) Math.min(n, 64 << 10)];
        long done = 0;
        while (done < n) {
            int r = read(scratch, 0, (int) Math.min(scratch.length, n - done));
            if (r < 0) {
                break;
            }
            done += r;
        }
        return done;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void charge(long n, String entry) {
        used += n;
        if (used > max || used < 0) {
            throw new CriException(ErrorKind.RESOURCE_EXHAUSTED, "layer unpacks to more than " + max + " bytes"
                    + (entry == null ? "" : " (at entry \"" + entry + "\")")
                    + "; raise image.max_layer_unpacked_bytes if it is meant to be this large");
        }
    }
}
