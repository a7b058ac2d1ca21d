package io.jcri.image;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A blob stream that holds one of the pull's download permits from its opening to its closing. The permit goes
 * back as soon as the layer has been read, not once it has been synced to disk, so the next layer downloads while
 * the last one is flushed; and a retried unpack opens the blob again under a permit of its own.
 */
final class DownloadSlot extends FilterInputStream {
    private final Semaphore permits;
    private final AtomicBoolean released = new AtomicBoolean();

    private DownloadSlot(InputStream in, Semaphore permits) {
        super(in);
        this.permits = permits;
    }

    /** What opens the blob once a permit is held. */
    interface Opener {
        InputStream open() throws IOException;
    }

    /** Waits for a permit of {@code permits}, then opens the blob; the permit returns when the stream closes. */
    static InputStream open(Semaphore permits, Opener opener) throws IOException {
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a download slot");
        }
        try {
            return new DownloadSlot(opener.open(), permits);
        } catch (IOException | RuntimeException e) {
            permits.release();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            super.close();
        } finally {
            if (released.compareAndSet(false, true)) {
                permits.release();
            }
        }
    }
}
