package io.jcri.image;

import java.util.Optional;

/**
 * What creating a container needs of the image store: finding an image, and leasing it while its layers are
 * mounted. {@link ImageService} in the daemon; the seam that lets the runtime service's create be tested with fakes.
 */
public interface ImageLeases {
    /** The image {@code reference} names (ID, short ID, {@code name:tag}, {@code name@digest}); empty when none. */
    Optional<ImageRecord> find(String reference);

    /** Looks the image up (NOT_FOUND when none) and holds its layers until the lease is closed. */
    ImageLease lease(String reference);
}
