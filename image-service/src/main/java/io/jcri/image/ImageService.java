package io.jcri.image;

import io.jcri.cri.CriException;
import io.jcri.image.content.ContentStore;
import io.jcri.image.content.Digests;
import io.jcri.image.layer.LayerStore;
import io.jcri.image.layer.LayerUnpacker;
import io.jcri.image.registry.Credentials;
import io.jcri.image.registry.Platform;
import io.jcri.image.registry.RegistryAuth;
import io.jcri.image.registry.RegistryClient;
import io.jcri.image.registry.RegistryConfig;
import io.jcri.image.registry.WatchedFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The image operations of a node: pull, look up, list, remove, and report disk usage; plus what the runtime
 * service needs to start a container from an image ({@link #lease}). State lives under
 * {@code <state root>/content}, {@code layers} and {@code images}. The registries configuration and the
 * credentials file are read again when they change on disk (at the next pull) or on {@link #reloadRegistries()}.
 */
public final class ImageService implements ImageLeases {
    private static final Logger LOG = LoggerFactory.getLogger(ImageService.class);
    private static final Pattern FULL_ID = Pattern.compile("sha256:[a-f0-9]{64}");
    private static final Pattern HEX = Pattern.compile("[a-f0-9]{3,64}");

    private final ContentStore content;
    private final LayerStore layers;
    private final ImageStore images;
    private final InUse inUse = new InUse();
    /** Usage of the unpacked layers and of the blobs, by directory or file name (a digest's hex). */
    private final KeptUsage layerUsage;
    private final KeptUsage blobUsage;
    /** Replaced whole by {@link #reconfigure}; a pull keeps the puller it started with. */
    private volatile ImagePuller puller;
    private volatile WatchedFile<RegistryConfig> registries;
    private volatile WatchedFile<Credentials> credentials;

    /**
     * @param stateRoot              jcri's persistent state directory
     * @param registriesConf         a containers-registries.conf v2 file (read when it exists)
     * @param authFile               a containers-auth.json credentials file (read when it exists)
     * @param maxConcurrentDownloads layers downloaded in parallel per pull
     * @param pullProgressTimeout    a pull moving no bytes this long fails with DEADLINE_EXCEEDED
     * @param maxLayerUnpackedBytes  a layer whose uncompressed tar (sparse holes included) exceeds this is refused
     *                               with RESOURCE_EXHAUSTED
     * @param platform               whose manifest is taken from an image index
     */
    public record Settings(Path stateRoot, Path registriesConf, Path authFile, int maxConcurrentDownloads,
                           Duration pullProgressTimeout, long maxLayerUnpackedBytes, Platform platform) {
        /** The default of {@link #maxLayerUnpackedBytes}: 64 GiB. */
        public static final long DEFAULT_MAX_LAYER_UNPACKED_BYTES = 64L << 30;
    }

    private ImageService(Settings s) throws IOException {
        registries = new WatchedFile<>("registries configuration", s.registriesConf(), RegistryConfig::load);
        credentials = new WatchedFile<>("credentials file", s.authFile(), Credentials::load);
        content = new ContentStore(s.stateRoot().resolve("content"));
        layers = new LayerStore(s.stateRoot().resolve("layers"),
                new LayerUnpacker(true, s.maxLayerUnpackedBytes()));
        images = new ImageStore(s.stateRoot().resolve("images"));
        layerUsage = new KeptUsage(layers.root(), "", Clock.systemUTC());
        blobUsage = new KeptUsage(content.blobsDir(), "", Clock.systemUTC());
        puller = newPuller(s);
    }

    private ImagePuller newPuller(Settings s) {
        WatchedFile<RegistryConfig> r = registries;
        WatchedFile<Credentials> c = credentials;
        return new ImagePuller(r::current, c::current, new RegistryClient(Duration.ofMinutes(1)),
                content, layers, images, inUse, s.maxConcurrentDownloads(), s.pullProgressTimeout(), s.platform());
    }

    /**
     * Reads the registries configuration and credentials again and takes the pull limits of {@code s} (its state
     * root is ignored) for pulls that start from now on; pulls in progress finish as they began. A file that
     * cannot be used changes nothing and fails with INVALID_ARGUMENT naming it.
     */
    public void reconfigure(Settings s) {
        WatchedFile<RegistryConfig> r = s.registriesConf().equals(registries.path()) ? registries
                : new WatchedFile<>("registries configuration", s.registriesConf(), RegistryConfig::load);
        WatchedFile<Credentials> c = s.authFile().equals(credentials.path()) ? credentials
                : new WatchedFile<>("credentials file", s.authFile(), Credentials::load);
        if (r == registries) {
            r.reload();
        }
        if (c == credentials) {
            c.reload();
        }
        registries = r;
        credentials = c;
        puller = newPuller(s);
        LOG.info("registries from {}: {} rules; credentials from {}; {} parallel layer downloads, progress timeout {}s",
                s.registriesConf(), r.current().registries().size(),
                s.authFile().toString().isEmpty() ? "(none)" : s.authFile(), s.maxConcurrentDownloads(),
                s.pullProgressTimeout().toSeconds());
    }

    /** Opens the store, cleaning what a crash left half-done, and reads the registries configuration. */
    public static ImageService open(Settings s) throws IOException {
        ImageService service = new ImageService(s);
        service.content.cleanIngest();
        service.layers.cleanLeftovers();
        service.collectGarbage();
        LOG.info("image store {}: {} images; registries from {}: {} rules", s.stateRoot(), service.images.all().size(),
                s.registriesConf(), service.registries.current().registries().size());
        return service;
    }

    /**
     * Reads the registries configuration and the credentials file again now, whether they changed or not (for
     * SIGHUP). A file that became invalid is logged and the previous configuration stays in force.
     */
    public void reloadRegistries() {
        registries.reload();
        credentials.reload();
    }

    /**
     * Pulls {@code reference} and returns its record (whose ID is the config digest). Interrupting the calling
     * thread cancels the pull.
     *
     * @param auth          credentials from the request ({@link RegistryAuth#NONE} for none)
     * @param serverAddress the registry those credentials name, may be empty (see {@link Credentials})
     * @param forPod        "namespace/name" of the pod the image is for, only for the log; may be empty
     */
    public ImageRecord pull(String reference, RegistryAuth auth, String serverAddress, String forPod) {
        ImageReference ref = ImageReference.parse(reference);
        LOG.info("pulling {}{} ({})", ref, forPod.isEmpty() ? "" : " for pod " + forPod, auth);
        try {
            ImageRecord r = puller.pull(ref, auth, serverAddress);
            r.chainIds().forEach(chain -> layerUsage.measure(Digests.hex(chain)));
            r.blobs().forEach(blob -> blobUsage.measure(Digests.hex(blob)));
            return r;
        } catch (CriException e) {
            // a failed pull leaves nothing behind but what other images or pulls still use
            try {
                collectGarbage();
            } catch (IOException gc) {
                e.addSuppressed(gc);
            }
            throw e;
        }
    }

    /**
     * The image a reference names: a full or short image ID, {@code name:tag} or {@code name@digest} (short names
     * normalised as by {@link ImageReference#parse}).
     */
    @Override
    public Optional<ImageRecord> find(String reference) {
        return resolve(reference);
    }

    /** Like {@link #find}, but NOT_FOUND when there is no such image. */
    public ImageRecord require(String reference) {
        return find(reference).orElseThrow(() -> CriException.notFound("image " + reference
                + " not found; pull it first"));
    }

    /** Every image, or only the one {@code filter} names when it is not empty. */
    public List<ImageRecord> list(String filter) {
        if (filter == null || filter.isEmpty()) {
            return images.all();
        }
        return find(filter).stream().toList();
    }

    /**
     * Removes an image with every tag, whichever of its tags, digests or ID names it (CRI v1: "removing the image
     * by a single tag will remove all of its tags"), then its layers and blobs unless another image needs them.
     * An unknown reference is no error.
     */
    public void remove(String reference) {
        Optional<ImageRecord> found = find(reference);
        if (found.isEmpty()) {
            LOG.info("remove {}: no such image, nothing to do", reference);
            return;
        }
        ImageRecord r = found.get();
        try {
            images.remove(r);
            LOG.info("removed image {} ({})", r.id(), r.repoTags());
            collectGarbage();
        } catch (IOException e) {
            throw CriException.internal("removing image " + r.id() + ": " + e.getMessage(), e);
        }
    }

    /** The overlay lower dirs of an image, lowest layer first. */
    public List<Path> layerDirs(ImageRecord image) {
        return image.chainIds().stream().map(layers::diffDir).toList();
    }

    /**
     * Looks up an image like {@link #require} and holds its layers and blobs until the lease is closed: a
     * RemoveImage meanwhile removes the record and tags, but no garbage collection deletes what the lease holds.
     * For creating a container: lease, mount the layers, close.
     */
    @Override
    public ImageLease lease(String reference) {
        // collection decides under this monitor: it sees either no record or the claims
        synchronized (inUse) {
            ImageRecord r = require(reference);
            List<String> held = new ArrayList<>(r.chainIds());
            held.addAll(r.blobs());
            held.add(r.id());
            held.forEach(inUse::claim);
            return new ImageLease(r, layerDirs(r), () -> release(r, held));
        }
    }

    private void release(ImageRecord image, List<String> held) {
        inUse.release(held);
        if (images.byId(image.id()).isEmpty()) {
            // removed while leased: its removal left what the lease held, which goes now unless a rootfs uses it
            try {
                collectGarbage();
            } catch (IOException e) {
                LOG.error("image {}: collecting its layers after its lease ended failed: {}", image.id(),
                        e.getMessage());
            }
        }
    }

    /** The image config document as stored (what {@code crictl inspecti} shows). */
    public String configJson(ImageRecord image) {
        return new String(content.read(image.id()), StandardCharsets.UTF_8);
    }

    /**
     * Disk used by unpacked layers and blobs, reported against the layers directory: kept as pulls and removals
     * change it and corrected by {@link #sweepUsage}, so that asking (kubelet every few seconds, crictl on every
     * connection) walks nothing.
     */
    public DiskUsage usage() {
        DiskUsage l = layerUsage.total();
        DiskUsage c = blobUsage.total();
        return new DiskUsage(layers.root(), l.usedBytes() + c.usedBytes(), l.inodesUsed() + c.inodesUsed(),
                l.timestampNanos());
    }

    /**
     * Measures every layer and blob again, with {@code pause} between two, correcting what {@link #usage} kept
     * (layers unpacked by a pull that then failed, a crash): for a background thread, every few minutes.
     */
    public void sweepUsage(Duration pause) throws InterruptedException {
        layerUsage.sweep(pause);
        blobUsage.sweep(pause);
    }

    private Optional<ImageRecord> resolve(String reference) {
        if (reference == null || reference.isBlank()) {
            throw CriException.invalid("image reference is empty");
        }
        String s = reference.strip();
        if (FULL_ID.matcher(s).matches()) {
            return images.byId(s);
        }
        if (s.length() == 64 && HEX.matcher(s).matches()) {
            return images.byId("sha256:" + s);
        }
        ImageReference ref;
        try {
            ref = ImageReference.parse(s);
        } catch (CriException e) {
            if (HEX.matcher(s).matches()) {
                return images.byIdPrefix(s);
            }
            throw e;
        }
        if (ref.digest() != null) {
            return images.byRepoDigest(ref.digestedName(ref.digest()));
        }
        Optional<ImageRecord> byTag = images.byTag(ref.taggedName());
        return byTag.isPresent() || s.contains(":") ? byTag : idPrefix(s);
    }

    private Optional<ImageRecord> idPrefix(String s) {
        return HEX.matcher(s).matches() ? images.byIdPrefix(s) : Optional.empty();
    }

    /**
     * Deletes layers and blobs no image record names, no pull in progress holds and (layers) no mounted container
     * rootfs uses.
     */
    private void collectGarbage() throws IOException {
        synchronized (inUse) {
            Set<String> keep = new HashSet<>(inUse.keys());
            keep.addAll(layers.mounted());
            for (ImageRecord r : images.all()) {
                keep.addAll(r.chainIds());
                keep.addAll(r.blobs());
            }
            for (String chain : layers.list()) {
                if (!keep.contains(chain)) {
                    layers.remove(chain);
                    layerUsage.forget(Digests.hex(chain));
                }
            }
            for (String blob : content.list()) {
                if (!keep.contains(blob)) {
                    content.delete(blob);
                    blobUsage.forget(Digests.hex(blob));
                }
            }
        }
    }
}
