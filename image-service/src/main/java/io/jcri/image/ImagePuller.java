package io.jcri.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.image.content.ContentStore;
import io.jcri.image.content.VerifyingInputStream;
import io.jcri.image.layer.LayerStore;
import io.jcri.image.registry.Credentials;
import io.jcri.image.registry.Descriptor;
import io.jcri.image.registry.Manifest;
import io.jcri.image.registry.Platform;
import io.jcri.image.registry.RegistryClient;
import io.jcri.image.registry.RegistryConfig;
import io.jcri.image.registry.RegistryEndpoint;
import io.jcri.image.registry.RegistryAuth;
import io.jcri.oci.faults.FaultPoints;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls one image: resolves the manifest through the configured endpoints (mirrors first), picks the node's
 * platform (or the configured one) from an index, stores manifests and config as blobs, streams the layers in parallel straight into their
 * directories, then records the image. A pull that
 * moves no bytes for the progress timeout fails with DEADLINE_EXCEEDED; interrupting the calling thread cancels it.
 */
final class ImagePuller {
    private static final Logger LOG = LoggerFactory.getLogger(ImagePuller.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LOG_EVERY = Duration.ofSeconds(10);
    /** What containers/image accepts: an image config is read whole into memory. */
    static final long MAX_CONFIG_BYTES = 4 << 20;

    private final Supplier<RegistryConfig> registries;
    private final Supplier<Credentials> credentials;
    private final RegistryClient client;
    private final ContentStore content;
    private final LayerStore layers;
    private final ImageStore images;
    private final InUse inUse;
    private final int maxConcurrentDownloads;
    private final Duration progressTimeout;
    private final Platform platform;
    /**
     * When any pull last received bytes: a pull waiting for a layer or blob that another pull is fetching counts
     * that pull's progress as its own.
     */
    private final AtomicLong anyProgress = new AtomicLong(System.nanoTime());

    /**
     * @param registries  the registries configuration as it is at the start of each pull
     * @param credentials the credentials file as it is at the start of each pull
     */
    ImagePuller(Supplier<RegistryConfig> registries, Supplier<Credentials> credentials, RegistryClient client,
                ContentStore content, LayerStore layers, ImageStore images, InUse inUse, int maxConcurrentDownloads,
                Duration progressTimeout, Platform platform) {
        this.registries = registries;
        this.credentials = credentials;
        this.client = client;
        this.content = content;
        this.layers = layers;
        this.platform = platform;
        this.images = images;
        this.inUse = inUse;
        this.maxConcurrentDownloads = maxConcurrentDownloads;
        this.progressTimeout = progressTimeout;
    }

    /** State of one pull shared by its tasks. */
    private final class Pull {
        final ImageReference ref;
        final RegistryConfig registries = ImagePuller.this.registries.get();
        final Credentials credentials = ImagePuller.this.credentials.get();
        final RegistryAuth requestAuth;
        final String serverAddress;
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong lastProgress = new AtomicLong(System.nanoTime());
        final ConcurrentLinkedQueue<String> claimed = new ConcurrentLinkedQueue<>();
        final ExecutorService tasks = Executors.newVirtualThreadPerTaskExecutor();

        Pull(ImageReference ref, RegistryAuth requestAuth, String serverAddress) {
            this.ref = ref;
            this.requestAuth = requestAuth;
            this.serverAddress = serverAddress;
        }

        RegistryAuth authFor(RegistryEndpoint ep) {
            return credentials.forEndpoint(ep, requestAuth, serverAddress);
        }

        void progressed(long n) {
            bytes.addAndGet(n);
            long now = System.nanoTime();
            lastProgress.set(now);
            anyProgress.set(now);
        }

        void claim(String key) {
            inUse.claim(key);
            claimed.add(key);
        }

        long idleNanos() {
            return System.nanoTime() - Math.max(lastProgress.get(), anyProgress.get());
        }
    }

    ImageRecord pull(ImageReference ref, RegistryAuth auth, String serverAddress) {
        Pull p = new Pull(ref, auth, serverAddress);
        long start = System.nanoTime();
        long nextLog = start + LOG_EVERY.toNanos();
        try {
            Future<ImageRecord> result = p.tasks.submit(() -> run(p));
            while (true) {
                try {
                    ImageRecord r = result.get(1, TimeUnit.SECONDS);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    LOG.info("pulled {} as {}: {} MB in {} s", ref, r.id(), String.format("%.1f", p.bytes.get() / 1e6),
                            String.format("%.1f", seconds));
                    return r;
                } catch (TimeoutException e) {
                    if (p.idleNanos() > progressTimeout.toNanos()) {
                        throw new CriException(ErrorKind.DEADLINE_EXCEEDED, "pulling " + ref + ": no progress for "
                                + progressTimeout.toSeconds() + " s (" + p.bytes.get() + " bytes received)");
                    }
                    if (System.nanoTime() > nextLog) {
                        LOG.info("pulling {}: {} MB received", ref, String.format("%.1f", p.bytes.get() / 1e6));
                        nextLog = System.nanoTime() + LOG_EVERY.toNanos();
                    }
                } catch (ExecutionException e) {
                    throw unwrap(ref, e.getCause());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CriException(ErrorKind.CANCELLED, "pulling " + ref + ": cancelled");
        } finally {
            p.tasks.shutdownNow();
            try {
                if (!p.tasks.awaitTermination(30, TimeUnit.SECONDS)) {
                    LOG.warn("pulling {}: tasks still running 30 s after the pull ended", ref);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inUse.release(p.claimed);
        }
    }

    private ImageRecord run(Pull p) throws Exception {
        List<RegistryEndpoint> endpoints = p.registries.endpointsFor(p.ref);
        Manifest top = null;
        RegistryEndpoint ep = null;
        CriException last = null;
        for (RegistryEndpoint candidate : endpoints) {
            try {
                top = client.fetchManifest(candidate, p.ref.manifestReference(), p.authFor(candidate));
                ep = candidate;
                break;
            } catch (CriException e) {
                if (e.kind() == ErrorKind.CANCELLED) {
                    throw e;
                }
                LOG.warn("pulling {}: {} failed: {}", p.ref, candidate, e.getMessage());
                last = e;
            }
        }
        if (top == null) {
            throw last.kind() == ErrorKind.NOT_FOUND
                    ? CriException.notFound("image " + p.ref + " not found in " + endpoints)
                    : last;
        }
        List<String> blobs = new ArrayList<>();
        store(p, top, blobs);
        Manifest manifest = top;
        if (top.isIndex()) {
            Descriptor d = top.pickPlatform(platform);
            manifest = client.fetchManifest(ep, d.digest(), p.authFor(ep));
            if (manifest.isIndex()) {
                throw new CriException(ErrorKind.FAILED_PRECONDITION, "index " + top.digest()
                        + " points at another index for " + platform);
            }
            store(p, manifest, blobs);
        }
        RegistryEndpoint from = ep;
        RegistryAuth auth = p.authFor(ep);
        Descriptor configDesc = manifest.config();
        if (configDesc.size() < 0) {
            throw new CriException(ErrorKind.FAILED_PRECONDITION, "manifest " + manifest.digest()
                    + " gives its config no size");
        }
        if (configDesc.size() > MAX_CONFIG_BYTES) {
            throw new CriException(ErrorKind.RESOURCE_EXHAUSTED, "image config " + configDesc.digest() + " of "
                    + p.ref + " is " + configDesc.size() + " bytes; jcri reads configs of at most "
                    + MAX_CONFIG_BYTES + " bytes");
        }
        p.claim(configDesc.digest());
        blobs.add(configDesc.digest());
        content.ensure(configDesc.digest(), configDesc.size(),
                () -> client.openBlob(from, configDesc.digest(), auth), p::progressed);
        JsonNode config = JSON.readTree(content.read(configDesc.digest()));
        List<String> diffIds = new ArrayList<>();
        config.path("rootfs").path("diff_ids").forEach(n -> diffIds.add(n.asText()));
        if (diffIds.size() != manifest.layers().size()) {
            throw new CriException(ErrorKind.FAILED_PRECONDITION, "image config " + configDesc.digest() + " lists "
                    + diffIds.size() + " diff IDs for " + manifest.layers().size() + " layers");
        }
        List<String> chainIds = LayerStore.chainIds(diffIds);
        Semaphore downloads = new Semaphore(maxConcurrentDownloads);
        List<Future<?>> work = new ArrayList<>();
        long size = configDesc.size();
        for (int i = 0; i < chainIds.size(); i++) {
            Descriptor layer = manifest.layers().get(i);
            String chainId = chainIds.get(i);
            String diffId = diffIds.get(i);
            p.claim(chainId);
            size += Math.max(0, layer.size());
            if (layers.has(chainId)) {
                continue;
            }
            // layers stream from the registry straight into their directory: one pass, no blob copy kept
            work.add(p.tasks.submit(() -> {
                layers.ensure(chainId, diffId, () -> DownloadSlot.open(downloads, () -> new VerifyingInputStream(
                        client.openBlob(from, layer.digest(), auth), layer.digest(), layer.size(),
                        p::progressed)));
                return null;
            }));
        }
        for (Future<?> f : work) {
            f.get();
        }
        FaultPoints.hit("image.after-layers");
        Map<String, String> annotations = new LinkedHashMap<>();
        JSON.readTree(manifest.bytes()).path("annotations").properties()
                .forEach(e -> annotations.put(e.getKey(), e.getValue().asText()));
        ImageConfig runConfig = ImageConfig.fromImageConfigJson(config);
        runConfig = runConfig.withLabels(MetadataBudget.fit(runConfig.labels(), "config labels", p.ref));
        ImageRecord pulled = new ImageRecord(configDesc.digest(), List.of(), List.of(p.ref.digestedName(top.digest())),
                size, runConfig, chainIds, blobs, false, MetadataBudget.fit(annotations, "manifest annotations", p.ref));
        try {
            return images.add(pulled, p.ref.taggedName());
        } catch (IOException e) {
            throw CriException.internal("recording image " + pulled.id() + ": " + e.getMessage(), e);
        }
    }

    private void store(Pull p, Manifest m, List<String> blobs) {
        p.claim(m.digest());
        blobs.add(m.digest());
        content.put(m.digest(), m.bytes());
    }

    private static CriException unwrap(ImageReference ref, Throwable t) {
        Throwable c = t;
        while (c instanceof ExecutionException && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof CriException ie) {
            return ie;
        }
        return CriException.internal("pulling " + ref + ": " + c, c);
    }
}
