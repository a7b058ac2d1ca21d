package io.jcri.image;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An image held for a container being created: from {@link ImageService#lease} to {@link #close()}, garbage
 * collection keeps the image's layers and blobs even when the image is removed meanwhile. The lease covers the
 * time from looking the image up to mounting its layers; a mounted overlay keeps them after that by itself.
 * Closing twice is harmless.
 */
public final class ImageLease implements AutoCloseable {
    private final ImageRecord image;
    private final List<Path> layerDirs;
    private final Runnable release;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Made by {@link ImageService#lease}; public for fakes of {@link ImageLeases}. */
    public ImageLease(ImageRecord image, List<Path> layerDirs, Runnable release) {
        this.image = image;
        this.layerDirs = List.copyOf(layerDirs);
        this.release = release;
    }

    /** The image as it was when leased. */
    public ImageRecord image() {
        return image;
    }

    /** The overlay lower dirs of the image, lowest layer first. */
    public List<Path> layerDirs() {
        return layerDirs;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            release.run();
        }
    }
}
