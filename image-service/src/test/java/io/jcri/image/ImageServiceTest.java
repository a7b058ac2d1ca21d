package io.jcri.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.image.content.Digests;
import io.jcri.image.registry.RegistryAuth;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageServiceTest {
    private static final String LAYER = "sha256:" + "1".repeat(64);
    private static final String MANIFEST = "sha256:" + "2".repeat(64);
    private static final String CONFIG = "sha256:" + "3".repeat(64);

    @TempDir
    Path state;
    private Path conf;
    private FakeRegistry registry;

    @BeforeEach
    void start() throws Exception {
        registry = new FakeRegistry();
        conf = state.resolve("registries.conf");
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    private ImageService open() throws Exception {
        return ImageService.open(new ImageService.Settings(state.resolve("lib"), conf, Path.of(""), 3,
                Duration.ofSeconds(30), ImageService.Settings.DEFAULT_MAX_LAYER_UNPACKED_BYTES,
                io.jcri.image.registry.Platform.parse("linux/amd64")));
    }

    private static void rewrite(Path conf, String location, boolean blocked) throws Exception {
        Files.writeString(conf, """
                [[registry]]
                prefix = "app.test"
                location = "%s"
                insecure = true
                blocked = %s
                """.formatted(location, blocked));
    }

    @Test
    void aLeasedImageKeepsItsLayersThroughRemovalUntilTheLeaseEnds() throws Exception {
        Path lib = state.resolve("lib");
        Path layer = Files.createDirectories(lib.resolve("layers").resolve(Digests.hex(LAYER)).resolve("diff"));
        Path blobs = Files.createDirectories(lib.resolve("content/blobs/sha256"));
        Files.writeString(blobs.resolve(Digests.hex(MANIFEST)), "m");
        Files.writeString(blobs.resolve(Digests.hex(CONFIG)), "{}");
        new ImageStore(lib.resolve("images")).add(new ImageRecord(CONFIG, List.of(), List.of("x.io/app@" + MANIFEST),
                1, new ImageConfig(null, List.of("sh"), null, null, null, null, null, null, null), List.of(LAYER),
                List.of(MANIFEST, CONFIG), false, Map.of()), "x.io/app:1");
        ImageService images = open();

        assertThatThrownBy(() -> images.lease("x.io/other:1")).isInstanceOfSatisfying(CriException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND));
        ImageLease lease = images.lease("x.io/app:1");
        assertThat(lease.image().id()).isEqualTo(CONFIG);
        assertThat(lease.layerDirs()).containsExactly(layer);

        images.remove("x.io/app:1");
        assertThat(images.find("x.io/app:1")).isEmpty();
        assertThat(layer).isDirectory();
        assertThat(blobs.resolve(Digests.hex(CONFIG))).exists();

        lease.close();
        assertThat(layer.getParent()).doesNotExist();
        assertThat(blobs.resolve(Digests.hex(CONFIG))).doesNotExist();
        assertThat(blobs.resolve(Digests.hex(MANIFEST))).doesNotExist();
        lease.close();
    }

    @Test
    void registriesConfChangesApplyToTheNextPullAndAnInvalidOneKeepsThePrevious() throws Exception {
        String id = registry.push("app", "1", "{}", -1);
        rewrite(conf, "app.test", true);
        ImageService images = open();
        assertThatThrownBy(() -> pull(images, "app.test/app:1")).hasMessageContaining("blocked");

        rewrite(conf, registry.host(), false);
        assertThat(pull(images, "app.test/app:1").id()).isEqualTo(id);

        Files.writeString(conf, "[[registry]\nprefix = ");
        images.remove(id);
        assertThat(pull(images, "app.test/app:1").id()).as("the invalid file leaves the last valid one").isEqualTo(id);

        rewrite(conf, "app.test", true);
        images.reloadRegistries();
        assertThatThrownBy(() -> pull(images, "app.test/app:1")).hasMessageContaining("blocked");
    }

    @Test
    void theImageFilesystemUsageFollowsPullsAndRemovalsAndASweepCorrectsWhatNoneReported() throws Exception {
        String id = registry.push("app", "1", "{}", -1);
        rewrite(conf, registry.host(), false);
        ImageService images = open();
        assertThat(images.usage().inodesUsed()).isZero();

        pull(images, "app.test/app:1");
        DiskUsage pulled = images.usage();
        assertThat(pulled.mountpoint()).isEqualTo(state.resolve("lib/layers"));
        assertThat(pulled.inodesUsed()).as("manifest and config").isEqualTo(2);
        assertThat(pulled.usedBytes()).isPositive();

        Path stray = Files.createDirectories(state.resolve("lib/layers").resolve("4".repeat(64)).resolve("diff"));
        Files.write(stray.resolve("f"), new byte[1000]);
        assertThat(images.usage().usedBytes()).as("not walked when asked").isEqualTo(pulled.usedBytes());
        images.sweepUsage(Duration.ZERO);
        assertThat(images.usage().inodesUsed()).isEqualTo(pulled.inodesUsed() + 3);
        assertThat(images.usage().usedBytes()).isGreaterThanOrEqualTo(pulled.usedBytes() + 1000);

        images.remove(id);
        assertThat(images.usage().inodesUsed()).as("the image and the unused layer collected").isZero();
        assertThat(images.usage().usedBytes()).isZero();
    }

    @Test
    void anImageConfigLargerThanFourMebibytesIsNotDownloaded() throws Exception {
        registry.push("app", "big", "{}", 5 << 20);
        rewrite(conf, registry.host(), false);
        ImageService images = open();
        assertThatThrownBy(() -> pull(images, "app.test/app:big")).isInstanceOfSatisfying(CriException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.RESOURCE_EXHAUSTED)).hasMessageContaining("config");
        assertThat(registry.blobRequests.get()).isZero();
    }

    @Test
    void anImageRecordKeepsAtMost64KibOfAnnotations() throws Exception {
        String value = "v".repeat(1000);
        String annotations = IntStream.range(0, 200).mapToObj(i -> "\"a" + i + "\":\"" + value + "\"")
                .collect(Collectors.joining(",", "{", "}"));
        registry.push("app", "annotated", annotations, -1);
        rewrite(conf, registry.host(), false);
        ImageRecord r = pull(open(), "app.test/app:annotated");
        long bytes = r.annotations().entrySet().stream().mapToLong(e -> e.getKey().getBytes(StandardCharsets.UTF_8)
                .length + e.getValue().getBytes(StandardCharsets.UTF_8).length).sum();
        assertThat(bytes).isPositive().isLessThanOrEqualTo(MetadataBudget.MAX_BYTES);
        assertThat(r.annotations()).containsEntry("a0", value).hasSizeLessThan(200);
    }

    private static ImageRecord pull(ImageService images, String ref) {
        return images.pull(ref, RegistryAuth.NONE, "", "");
    }
}
