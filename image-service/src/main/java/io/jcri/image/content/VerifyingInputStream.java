package io.jcri.image.content;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.function.LongConsumer;

/**
 * Passes a blob's bytes through while digesting and counting them, reporting each chunk to a progress listener.
 * More bytes than the descriptor's size, or a digest or size mismatch at the end of the stream, throw
 * FAILED_PRECONDITION: whoever reads to the end has verified the blob.
 */
public final class VerifyingInputStream extends FilterInputStream {
    private final String digest;
    private final long size;
    private final LongConsumer progress;
    private final MessageDigest md = Digests.newSha256();
    private long total;
    private boolean verified;

    /** @param size the expected size, or -1 when unknown */
    public VerifyingInputStream(InputStream in, String digest, long size, LongConsumer progress) {
        super(in);
        this.digest = digest;
        this.size = size;
        this.progress = progress;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (Thread.currentThread().isInterrupted()) {
            throw new IOException("interrupted");
        }
        int n = super.read(b, off, len);
        if (n < 0) {
            if (verified) {
                return n;
            }
            verified = true;
            String actual = Digests.format(md.digest());
            if (!actual.equals(digest) || (size >= 0 && total != size)) {
                throw new CriException(ErrorKind.FAILED_PRECONDITION, "blob " + digest + " arrived as " + actual
                        + " (" + total + " bytes, expected " + size + "): corrupt or tampered");
            }
            return n;
        }
        md.update(b, off, n);
        total += n;
        progress.accept(n);
        if (size >= 0 && total > size) {
            throw new CriException(ErrorKind.FAILED_PRECONDITION, "blob " + digest + " is larger than the "
                    + size + " bytes its descriptor says");
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        return read(new byte[(int) Math.min(n, 8192)]);
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
