package io.jcri.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.image.content.ContentStore;
import io.jcri.image.content.Digests;
import io.jcri.image.layer.LayerStore;
import io.jcri.image.layer.LayerUnpacker;
import io.jcri.image.layer.TarFixture;
import io.jcri.image.registry.Credentials;
import io.jcri.image.registry.Platform;
import io.jcri.image.registry.RegistryAuth;
import io.jcri.image.registry.RegistryClient;
import io.jcri.image.registry.RegistryConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One pull against a fake registry on 127.0.0.1, into stores in a temporary directory: no root, no network. The
 * puller is built as ImageService builds it, with an unpacker that does not chown (not root).
 */
class ImagePullerTest {
    private static final String REPO = "app";
    private static final String REF = "app.test/app:1";

    @TempDir
    Path dir;
    private FakeRegistry registry;
    private ContentStore content;
    private LayerStore layers;
    private ImageStore images;
    private final InUse inUse = new InUse();

    @BeforeEach
    void setUp() throws Exception {
        registry = new FakeRegistry();
        content = new ContentStore(dir.resolve("content"));
        layers = new LayerStore(dir.resolve("layers"), new LayerUnpacker(false, Long.MAX_VALUE));
        images = new ImageStore(dir.resolve("images"));
    }

    @AfterEach
    void tearDown() {
        registry.close();
    }

    private ImagePuller puller(Duration progressTimeout, String registriesConf) {
        RegistryConfig conf = RegistryConfig.parse(registriesConf);
        return new ImagePuller(() -> conf, Credentials::none, new RegistryClient(Duration.ofSeconds(30)), content,
                layers, images, inUse, 2, progressTimeout, Platform.parse("linux/amd64"));
    }

    private ImagePuller puller() {
        return puller(Duration.ofSeconds(30), location(registry));
    }

    private static String location(FakeRegistry r) {
        return """
                [[registry]]
                prefix = "app.test"
                location = "%s"
                insecure = true
                """.formatted(r.host());
    }

    private static ImageRecord pull(ImagePuller p, String ref) {
        return pull(p, ref, RegistryAuth.NONE);
    }

    private static ImageRecord pull(ImagePuller p, String ref, RegistryAuth auth) {
        return p.pull(ImageReference.parse(ref), auth, "");
    }

    /** A layer: its blob as served (gzipped when asked) and its diff ID (the digest of the plain tar). */
    private record Layer(byte[] blob, String diffId) {
        static Layer of(String file, String text, boolean gzip) throws Exception {
            byte[] tar = new TarFixture().file(file, 0644, text).build();
            byte[] blob = gzip ? gzip(tar) : tar;
            return new Layer(blob, Digests.of(tar));
        }

        private static byte[] gzip(byte[] tar) throws Exception {
            var out = new java.io.ByteArrayOutputStream();
            try (var z = new GZIPOutputStream(out)) {
                z.write(tar);
            }
            return out.toByteArray();
        }
    }

    /** Serves config and layers, then the manifest at {@code tag}; returns the manifest's digest. */
    private String pushImage(String tag, String configJson, List<Layer> imageLayers, List<String> layerDigests) {
        byte[] config = configJson.getBytes(StandardCharsets.UTF_8);
        String configDigest = registry.blob(REPO, config);
        StringBuilder descriptors = new StringBuilder();
        for (int i = 0; i < imageLayers.size(); i++) {
            Layer l = imageLayers.get(i);
            String digest = layerDigests.get(i);
            registry.blob(REPO, digest, l.blob());
            descriptors.append(i == 0 ? "" : ",").append("""
                    {"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%d}"""
                    .formatted(digest, l.blob().length));
        }
        return registry.manifest(REPO, tag, """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
                 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},
                 "layers":[%s],"annotations":{"org.opencontainers.image.title":"app"}}"""
                .formatted(configDigest, config.length, descriptors));
    }

    private String pushImage(String tag, List<Layer> imageLayers) {
        return pushImage(tag, config(imageLayers), imageLayers,
                imageLayers.stream().map(l -> Digests.of(l.blob())).toList());
    }

    private static String config(List<Layer> imageLayers) {
        String diffIds = String.join(",", imageLayers.stream().map(l -> "\"" + l.diffId() + "\"").toList());
        return """
                {"architecture":"amd64","os":"linux","config":{"Cmd":["serve"],"Labels":{"tier":"web"}},
                 "rootfs":{"type":"layers","diff_ids":[%s]}}""".formatted(diffIds);
    }

    private static String configDigest(List<Layer> imageLayers) {
        return Digests.of(config(imageLayers));
    }

    private List<Path> entries(Path d) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.toList();
        }
    }

    @Test
    void aPullStoresManifestConfigAndUnpackedLayersAndRecordsTheImage() throws Exception {
        List<Layer> two = List.of(Layer.of("base", "one", false), Layer.of("app", "two", true));
        String manifest = pushImage("1", two);
        String config = configDigest(two);

        ImageRecord r = pull(puller(), REF);

        List<String> chain = LayerStore.chainIds(List.of(two.get(0).diffId(), two.get(1).diffId()));
        assertThat(r.id()).isEqualTo(config);
        assertThat(r.repoTags()).containsExactly(REF);
        assertThat(r.repoDigests()).containsExactly("app.test/app@" + manifest);
        assertThat(r.chainIds()).isEqualTo(chain);
        assertThat(r.blobs()).containsExactly(manifest, config);
        assertThat(r.size()).isEqualTo(Files.size(content.path(config)) + two.get(0).blob().length
                + two.get(1).blob().length);
        assertThat(r.config().cmd()).containsExactly("serve");
        assertThat(r.config().labels()).containsEntry("tier", "web");
        assertThat(r.annotations()).containsEntry("org.opencontainers.image.title", "app");
        assertThat(layers.diffDir(chain.get(0)).resolve("base")).hasContent("one");
        assertThat(layers.diffDir(chain.get(1)).resolve("app")).as("gzip layer, checked by its diff ID")
                .hasContent("two");
        assertThat(content.has(manifest)).isTrue();
        assertThat(content.read(config)).isEqualTo(config(two).getBytes(StandardCharsets.UTF_8));
        assertThat(images.byTag(REF)).contains(r);
        assertThat(inUse.keys()).as("a finished pull holds nothing").isEmpty();

        ImageRecord again = pull(puller(), REF);
        assertThat(again.id()).isEqualTo(r.id());
        assertThat(registry.blobRequests.get()).as("what is stored is not fetched again").isEqualTo(3);
    }

    @Test
    void anIndexResolvesToTheManifestOfTheNodesPlatform() throws Exception {
        String amd64 = pushImage("amd64", List.of(Layer.of("f", "x", false)));
        String arm64 = "sha256:" + "a".repeat(64);
        String index = registry.manifest(REPO, "1", index(arm64, "arm64", amd64, "amd64"));

        ImageRecord r = pull(puller(), REF);

        assertThat(r.repoDigests()).containsExactly("app.test/app@" + index);
        assertThat(r.blobs()).startsWith(index, amd64);
        assertThat(content.has(index)).isTrue();
        assertThat(registry.requests(FakeRegistry.manifestPath(REPO, arm64))).isZero();
    }

    private static String index(String digest1, String arch1, String digest2, String arch2) {
        return """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
                 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":1,
                  "platform":{"os":"linux","architecture":"%s"}},
                 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":1,
                  "platform":{"os":"linux","architecture":"%s"}}]}""".formatted(digest1, arch1, digest2, arch2);
    }

    @Test
    void anIndexWithoutTheNodesPlatformIsNotFoundAndOneNamingAnotherIndexIsRefused() {
        String other = "sha256:" + "b".repeat(64);
        registry.manifest(REPO, "1", index(other, "arm64", other, "s390x"));
        assertKind(() -> pull(puller(), REF), ErrorKind.NOT_FOUND, "no manifest for platform linux/amd64");

        String inner = registry.manifest(REPO, "inner", index(other, "amd64", other, "arm64"));
        registry.manifest(REPO, "2", index(inner, "amd64", other, "arm64"));
        assertKind(() -> pull(puller(), "app.test/app:2"), ErrorKind.FAILED_PRECONDITION, "another index");
        assertThat(images.all()).isEmpty();
    }

    @Test
    void aLayerWhoseBytesDoNotMatchItsDigestIsRefusedAndLeavesNoLayerRecordOrClaim() throws Exception {
        Layer good = Layer.of("f", "x", false);
        Layer tampered = Layer.of("f", "evil", false);
        pushImage("1", config(List.of(good)), List.of(tampered), List.of(Digests.of(good.blob())));

        assertKind(() -> pull(puller(), REF), ErrorKind.FAILED_PRECONDITION, "corrupt or tampered");

        assertThat(entries(layers.root())).as("no layer, no half-unpacked directory").isEmpty();
        assertThat(images.all()).isEmpty();
        assertThat(inUse.keys()).as("claims released, so garbage collection can take the blobs").isEmpty();
    }

    @Test
    void aLayerWhoseContentDoesNotMatchItsDiffIdIsRefused() throws Exception {
        Layer layer = Layer.of("f", "x", false);
        Layer other = Layer.of("g", "y", false);
        pushImage("1", config(List.of(other)), List.of(layer), List.of(Digests.of(layer.blob())));

        assertKind(() -> pull(puller(), REF), ErrorKind.FAILED_PRECONDITION, "corrupt or tampered");
        assertThat(entries(layers.root())).isEmpty();
        assertThat(images.all()).isEmpty();
    }

    @Test
    void aManifestOverFourMebibytesIsRefusedBeforeAnyBlob() {
        registry.manifest(REPO, "1", "{\"pad\":\"" + "x".repeat(4 << 20) + "\"}");
        assertKind(() -> pull(puller(), REF), ErrorKind.FAILED_PRECONDITION, "larger than 4 MiB");
        assertThat(registry.blobRequests.get()).isZero();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"schemaVersion\":1,\"name\":\"app\",\"fsLayers\":[]}|Docker schema 1",
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v1+json\"}"
                    + "|Docker schema 1",
            "{\"schemaVersion\":2,\"mediaType\":\"text/plain\"}|has neither manifests nor config and layers",
            "not json|is not JSON"})
    void aManifestOfAMediaTypeOrShapeJcriDoesNotPullIsRefused(String manifest, String message) {
        registry.manifest(REPO, "1", manifest);
        assertKind(() -> pull(puller(), REF), ErrorKind.FAILED_PRECONDITION, message);
        assertThat(registry.blobRequests.get()).isZero();
    }

    @Test
    void aConfigWithoutASizeOrWithDiffIdsThatDoNotMatchTheLayersIsRefusedBeforeAnyLayer() throws Exception {
        byte[] config = config(List.of()).getBytes(StandardCharsets.UTF_8);
        String configDigest = registry.blob(REPO, config);
        registry.manifest(REPO, "1", """
                {"schemaVersion":2,"config":{"digest":"%s"},"layers":[]}""".formatted(configDigest));
        assertKind(() -> pull(puller(), REF), ErrorKind.FAILED_PRECONDITION, "gives its config no size");

        Layer layer = Layer.of("f", "x", false);
        pushImage("2", config(List.of()), List.of(layer), List.of(Digests.of(layer.blob())));
        assertKind(() -> pull(puller(), "app.test/app:2"), ErrorKind.FAILED_PRECONDITION,
                "lists 0 diff IDs for 1 layers");
        assertThat(registry.requests(FakeRegistry.blobPath(REPO, Digests.of(layer.blob())))).isZero();
    }

    @ParameterizedTest
    @CsvSource({"401, FAILED_PRECONDITION, refused access", "403, FAILED_PRECONDITION, answered 403",
            "404, NOT_FOUND, not found in", "400, UNAVAILABLE, answered 400"})
    void whatTheRegistryAnswersForTheManifestMapsToAnErrorKind(int status, ErrorKind kind, String message) {
        registry.fail(FakeRegistry.manifestPath(REPO, "1"), status);
        assertKind(() -> pull(puller(), REF), kind, message);
    }

    @Test
    void aRegistryAskingForBasicAuthGetsTheRequestsCredentialsAndRefusesWithoutThem() throws Exception {
        List<Layer> one = List.of(Layer.of("f", "x", false));
        pushImage("1", one);
        registry.requireBasic("user", "secret");

        assertKind(() -> pull(puller(), REF), ErrorKind.FAILED_PRECONDITION, "without credentials");
        assertKind(() -> pull(puller(), REF, new RegistryAuth("user", "wrong", "", "")),
                ErrorKind.FAILED_PRECONDITION, "refused access");
        assertThat(pull(puller(), REF, new RegistryAuth("user", "secret", "", "")).id())
                .isEqualTo(configDigest(one));
    }

    @Test
    void aMirrorWithoutTheImageFallsThroughToTheLocationAndNotFoundEverywhereNamesTheEndpoints() throws Exception {
        List<Layer> one = List.of(Layer.of("f", "x", false));
        pushImage("1", one);
        try (FakeRegistry mirror = new FakeRegistry()) {
            String conf = location(registry) + """
                    [[registry.mirror]]
                    location = "%s"
                    insecure = true
                    """.formatted(mirror.host());
            assertThat(pull(puller(Duration.ofSeconds(30), conf), REF).id()).isEqualTo(configDigest(one));
            assertThat(mirror.requests(FakeRegistry.manifestPath(REPO, "1"))).isEqualTo(1);

            assertKind(() -> pull(puller(Duration.ofSeconds(30), conf), "app.test/app:missing"),
                    ErrorKind.NOT_FOUND, "image app.test/app:missing not found in [" + mirror.host());
        }
    }

    @Test
    void concurrentPullsOfOneImageDownloadEachBlobOnce() throws Exception {
        List<Layer> one = List.of(Layer.of("f", "x", true));
        pushImage("1", one);
        String layerPath = FakeRegistry.blobPath(REPO, Digests.of(one.getFirst().blob()));
        FakeRegistry.Gate layer = registry.hold(layerPath);
        CountDownLatch manifests = registry.expect(FakeRegistry.manifestPath(REPO, "1"), 2);
        ImagePuller puller = puller();
        try (ExecutorService pulls = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<ImageRecord> first = pulls.submit(() -> pull(puller, REF));
            await(layer.arrived());
            // the second pull starts while the first is still receiving the layer
            Future<ImageRecord> second = pulls.submit(() -> pull(puller, REF));
            await(manifests);
            layer.release().countDown();
            assertThat(first.get().id()).isEqualTo(second.get().id()).isEqualTo(configDigest(one));
        }
        assertThat(registry.requests(layerPath)).isEqualTo(1);
        assertThat(registry.requests(FakeRegistry.blobPath(REPO, configDigest(one)))).isEqualTo(1);
        assertThat(inUse.keys()).isEmpty();
    }

    @Test
    void interruptingThePullingThreadCancelsThePull() throws Exception {
        pushImage("1", List.of(Layer.of("f", "x", false)));
        FakeRegistry.Gate manifest = registry.hold(FakeRegistry.manifestPath(REPO, "1"));
        ImagePuller puller = puller();
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                pull(puller, REF);
                failure.complete(null);
            } catch (Throwable e) {
                failure.complete(e);
            }
        });
        await(manifest.arrived());
        t.interrupt();
        assertThat(failure.get()).isInstanceOfSatisfying(CriException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.CANCELLED));
        assertThat(inUse.keys()).isEmpty();
    }

    @Test
    void aPullThatReceivesNothingForTheProgressTimeoutFailsWithDeadlineExceeded() throws Exception {
        pushImage("1", List.of(Layer.of("f", "x", false)));
        registry.hold(FakeRegistry.manifestPath(REPO, "1"));
        assertKind(() -> pull(puller(Duration.ZERO, location(registry)), REF), ErrorKind.DEADLINE_EXCEEDED,
                "no progress for 0 s");
        assertThat(images.all()).isEmpty();
    }

    /** Waits for an event the test needs; the deadline only keeps a broken test from hanging. */
    private static void await(CountDownLatch latch) throws InterruptedException {
        assertThat(latch.await(60, TimeUnit.SECONDS)).as("the awaited request came").isTrue();
    }

    private static void assertKind(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, ErrorKind kind,
                                   String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(CriException.class,
                e -> assertThat(e.kind()).isEqualTo(kind)).hasMessageContaining(message);
    }
}
