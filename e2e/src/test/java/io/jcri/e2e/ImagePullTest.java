package io.jcri.e2e;

import static io.jcri.e2e.ImageBuilder.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.AuthConfig;
import io.jcri.cri.v1.Image;
import io.jcri.cri.v1.ImageFilter;
import io.jcri.cri.v1.ImageFsInfoRequest;
import io.jcri.cri.v1.ImageFsInfoResponse;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.ImageStatusRequest;
import io.jcri.cri.v1.ImageStatusResponse;
import io.jcri.cri.v1.ListImagesRequest;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.cri.v1.RemoveImageRequest;
import io.jcri.cri.v1.StreamImagesRequest;
import io.jcri.e2e.ImageBuilder.Compression;
import io.jcri.e2e.ImageBuilder.Format;
import io.jcri.e2e.ImageBuilder.Layer;
import io.jcri.e2e.ImageBuilder.Pushed;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pulls through a real jcri from real docker-registry instances on 127.0.0.1, reached only through
 * registries.conf rewrites and mirrors: formats, compressions, layer contents, hostile layers, auth, the image
 * RPC semantics, and a pull killed with SIGKILL.
 */
class ImagePullTest {
    private static final String USER = "puller";
    private static final String PASSWORD = "s3cret-pw";

    private static LocalRegistry open;
    private static LocalRegistry locked;
    private static TokenAuthProxy tokenProxy;
    private static StallingProxy stalling;
    private static JcriProcess jcri;
    private static CriClients cri;
    private static ImageBuilder builder;
    private static Path conf;
    private static String confText;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(JcriProcess.isRoot(), "e2e image tests need root (devices, ownership, overlay): skipped");
        assumeTrue(LocalRegistry.available(), "docker-registry is not installed: skipped");
        open = LocalRegistry.start();
        locked = LocalRegistry.start(USER, PASSWORD);
        tokenProxy = new TokenAuthProxy(open.host(), USER, PASSWORD);
        stalling = new StallingProxy(open.host());
        builder = new ImageBuilder(open.host(), null);
        conf = Files.createTempFile("jcri-registries-", ".conf");
        // late.jcri.test leads nowhere until a test rewrites it; plainhttp.jcri.test asks a plain-HTTP registry for
        // HTTPS under a name that is not a loopback one (Linux reaches 0.0.0.0 on this machine)
        confText = """
                unqualified-search-registries = ["docker.io"]
                [[registry]]
                prefix = "fixtures.jcri.test"
                location = "%1$s"
                insecure = true
                [[registry]]
                prefix = "mirrored.jcri.test"
                location = "127.0.0.1:9"
                insecure = true
                  [[registry.mirror]]
                  location = "127.0.0.1:9/nothing-here"
                  insecure = true
                  [[registry.mirror]]
                  location = "%1$s"
                  insecure = true
                [[registry]]
                prefix = "basic.jcri.test"
                location = "%2$s"
                insecure = true
                [[registry]]
                prefix = "token.jcri.test"
                location = "%3$s"
                insecure = true
                [[registry]]
                prefix = "stalling.jcri.test"
                location = "%4$s"
                insecure = true
                [[registry]]
                prefix = "late.jcri.test"
                location = "127.0.0.1:9"
                insecure = true
                [[registry]]
                prefix = "plainhttp.jcri.test"
                location = "0.0.0.0:%5$s"
                """.formatted(open.host(), locked.host(), tokenProxy.host(), stalling.host(),
                open.host().substring(open.host().indexOf(':') + 1));
        Files.writeString(conf, confText);
        jcri = JcriProcess.start("[image]\nregistries_conf = \"" + conf + "\"\npull_progress_timeout_seconds = 4\n");
        cri = jcri.client();
    }

    @AfterAll
    static void stop() throws Exception {
        if (cri != null) {
            cri.close();
        }
        if (jcri != null) {
            // the daemon's directory goes with it: keep its log for a failure's post-mortem
            Files.writeString(Path.of("target/ImagePullTest-jcri.log"), jcri.logText());
        }
        for (AutoCloseable c : new AutoCloseable[] {jcri, stalling, tokenProxy, locked, open}) {
            if (c != null) {
                c.close();
            }
        }
        if (conf != null) {
            Files.delete(conf);
        }
    }

    @AfterEach
    void removeEverything() {
        if (cri == null) {
            return;
        }
        for (Image i : cri.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()) {
            cri.images().removeImage(RemoveImageRequest.newBuilder().setImage(spec(i.getId())).build());
        }
        assertThat(entries(layers())).as("layers left after removing every image").isEmpty();
        assertThat(entries(blobs())).as("blobs left after removing every image").isEmpty();
    }

    @Test
    void pullsThroughALocationRewriteAndThroughAMirror() throws Exception {
        Pushed p = builder.push("fixtures/busybox", "1", Format.OCI,
                List.of(ImageBuilder.busyboxLayer(Compression.GZIP, Format.OCI)), "1000:1000", List.of("sh"));
        String id = pull("fixtures.jcri.test/fixtures/busybox:1");
        assertThat(id).isEqualTo(p.configDigest());
        assertThat(pull("mirrored.jcri.test/fixtures/busybox:1")).isEqualTo(id);
        Image image = status("fixtures.jcri.test/fixtures/busybox:1").getImage();
        assertThat(image.getRepoTagsList()).containsExactly("fixtures.jcri.test/fixtures/busybox:1",
                "mirrored.jcri.test/fixtures/busybox:1");
        assertThat(image.getRepoDigestsList()).contains("fixtures.jcri.test/fixtures/busybox@" + p.manifestDigest());
        assertThat(image.getUid().getValue()).isEqualTo(1000);
        assertThat(image.getSpec().getImage()).isEqualTo(id);
        assertThat(image.getSize()).isPositive();
        Path busybox = layers().resolve(hex(layerDiffIds(id).getFirst())).resolve("diff/bin/busybox");
        assertThat(Files.size(busybox)).isEqualTo(Files.size(Path.of("/bin/busybox")));
        assertThat(Files.isExecutable(busybox)).isTrue();
    }

    @Test
    void aRewriteNeverFallsBackToTheUpstreamHost() {
        assertThatThrownBy(() -> pull("fixtures.jcri.test/absent/image:1"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).contains(open.host()).doesNotContain("https://");
                });
    }

    @Test
    void unpacksEveryEntryKindAcrossLayersReadyForOverlay() throws Exception {
        Layer base = ImageBuilder.tar()
                .dir("bin", 0755)
                .file("bin/busybox", 04755, Files.readAllBytes(Path.of("/bin/busybox")))
                .symlink("bin/sh", "busybox")
                .hardlink("bin/ls", "bin/busybox")
                .dir("etc", 0755)
                .file("etc/passwd", 0644, utf8("root:x:0:0::/:/bin/sh\n"))
                .file("etc/group", 0644, utf8("root:x:0:\n"))
                .dir("var/cache", 0755)
                .file("var/cache/old", 0600, 1234, utf8("old"), Map.of())
                .file("xattr", 0644, 0, utf8("x"), Map.of("SCHILY.xattr.user.origin", "jcri"))
                .node("dev/null", TarConstants.LF_CHR, 1, 3)
                .node("dev/loop9", TarConstants.LF_BLK, 7, 9)
                .node("run/fifo", TarConstants.LF_FIFO, 0, 0)
                .dir("tmp", 01777)
                .layer(Compression.GZIP, Format.OCI);
        Layer top = ImageBuilder.tar()
                .file("etc/.wh.group", 0644, new byte[0])
                .dir("var/cache", 0755)
                .file("var/cache/.wh..wh..opq", 0644, new byte[0])
                .file("var/cache/new", 0644, utf8("new"))
                .layer(Compression.ZSTD, Format.OCI);
        Pushed p = builder.push("fixtures/kinds", "1", Format.OCI, List.of(base, top), "", List.of("sh"));
        String id = pull("fixtures.jcri.test/fixtures/kinds:1");
        assertThat(id).isEqualTo(p.configDigest());

        Path lower = layers().resolve(hex(base.diffId())).resolve("diff");
        assertThat((int) Files.getAttribute(lower.resolve("bin/busybox"), "unix:mode") & 07777).isEqualTo(04755);
        assertThat(Files.getAttribute(lower.resolve("bin/ls"), "unix:nlink")).isEqualTo(2);
        assertThat(Files.readSymbolicLink(lower.resolve("bin/sh"))).isEqualTo(Path.of("busybox"));
        assertThat(Files.getAttribute(lower.resolve("var/cache/old"), "unix:uid")).isEqualTo(1234);
        assertThat(Files.getAttribute(lower.resolve("dev/null"), "unix:rdev")).isEqualTo(0x103L);
        assertThat((int) Files.getAttribute(lower.resolve("dev/loop9"), "unix:mode") & 0170000).isEqualTo(0060000);
        assertThat((int) Files.getAttribute(lower.resolve("run/fifo"), "unix:mode") & 0170000).isEqualTo(0010000);
        assertThat((int) Files.getAttribute(lower.resolve("tmp"), "unix:mode") & 07777).isEqualTo(01777);
        UserDefinedFileAttributeView xattrs = Files.getFileAttributeView(lower.resolve("xattr"),
                UserDefinedFileAttributeView.class);
        ByteBuffer origin = ByteBuffer.allocate(16);
        xattrs.read("origin", origin);
        assertThat(new String(origin.array(), 0, origin.position(), StandardCharsets.UTF_8)).isEqualTo("jcri");

        String chain2 = ImageBuilder.digest(utf8(base.diffId() + " " + top.diffId()));
        Path upper = layers().resolve(hex(chain2)).resolve("diff");
        Path merged = Files.createTempDirectory("jcri-merged-");
        try {
            run("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + upper + ":" + lower, merged.toString());
            try {
                assertThat(merged.resolve("etc/passwd")).exists();
                assertThat(merged.resolve("etc/group")).doesNotExist();
                assertThat(merged.resolve("var/cache/old")).doesNotExist();
                assertThat(merged.resolve("var/cache/new")).hasContent("new");
                assertThat(merged.resolve("bin/busybox")).exists();
            } finally {
                run("umount", merged.toString());
            }
        } finally {
            Files.delete(merged);
        }
    }

    @Test
    void pullsDockerManifestsAndPicksAmd64FromIndexesOfBothFormats() throws Exception {
        for (Format f : Format.values()) {
            Layer amd = ImageBuilder.tar().file("arch", 0644, utf8("amd64")).layer(Compression.GZIP, f);
            Layer arm = ImageBuilder.tar().file("arch", 0644, utf8("arm64")).layer(Compression.GZIP, f);
            Pushed p = builder.pushMultiArch("fixtures/multi-" + f.name().toLowerCase(), "1", f, List.of(amd),
                    List.of(arm));
            String id = pull("fixtures.jcri.test/fixtures/multi-" + f.name().toLowerCase() + ":1");
            assertThat(id).isEqualTo(p.configDigest());
            assertThat(layers().resolve(hex(amd.diffId())).resolve("diff/arch")).hasContent("amd64");
            assertThat(status(id).getImage().getRepoDigestsList()).contains(
                    "fixtures.jcri.test/fixtures/multi-" + f.name().toLowerCase() + "@" + p.manifestDigest());
        }
        Pushed docker = builder.push("fixtures/docker", "1", Format.DOCKER,
                List.of(ImageBuilder.busyboxLayer(Compression.NONE, Format.DOCKER)), "nobody", List.of("sh"));
        assertThat(pull("fixtures.jcri.test/fixtures/docker:1")).isEqualTo(docker.configDigest());
        Image image = status("fixtures.jcri.test/fixtures/docker:1").getImage();
        assertThat(image.getUsername()).isEqualTo("nobody");
        assertThat(image.hasUid()).isFalse();
    }

    @Test
    void refusesHostileLayersAndLeavesNothingBehind() throws Exception {
        Path victim = Files.writeString(Files.createTempFile("jcri-victim-", ""), "untouched");
        try {
            List<ImageBuilder.Tar> hostile = List.of(
                    ImageBuilder.tar().file("/abs", 0644, utf8("x")),
                    ImageBuilder.tar().file("../../../../" + victim, 0644, utf8("x")),
                    ImageBuilder.tar().symlink("link", victim.getParent().toString())
                            .file("link/" + victim.getFileName(), 0644, utf8("x")),
                    ImageBuilder.tar().hardlink("hard", "../../" + victim),
                    ImageBuilder.tar().hardlink("hard", victim.toString()));
            int n = 0;
            for (ImageBuilder.Tar t : hostile) {
                Layer good = ImageBuilder.tar().file("fine", 0644, utf8("fine" + n)).layer(Compression.GZIP, Format.OCI);
                builder.push("fixtures/hostile", "h" + n, Format.OCI, List.of(good, t.layer(Compression.GZIP, Format.OCI)),
                        "", List.of("sh"));
                String ref = "fixtures.jcri.test/fixtures/hostile:h" + n++;
                assertThatThrownBy(() -> pull(ref)).isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getDescription()).contains("refused"));
                assertThat(status(ref).hasImage()).isFalse();
                assertThat(entries(layers())).as("layers after refusing " + ref).isEmpty();
                assertThat(entries(blobs())).as("blobs after refusing " + ref).isEmpty();
            }
            assertThat(victim).hasContent("untouched");
        } finally {
            Files.delete(victim);
        }
    }

    @Test
    void basicAuthAndTokenFlowWithCredentialsKeptFromOtherHosts() throws Exception {
        String basic = "Basic " + Base64.getEncoder().encodeToString(utf8(USER + ":" + PASSWORD));
        Pushed p = new ImageBuilder(locked.host(), basic).push("private/app", "1", Format.OCI,
                List.of(ImageBuilder.busyboxLayer(Compression.ZSTD, Format.OCI)), "", List.of("sh"));
        assertThatThrownBy(() -> pull("basic.jcri.test/private/app:1"))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
        AuthConfig userPassword = AuthConfig.newBuilder().setUsername(USER).setPassword(PASSWORD).build();
        assertThat(pull("basic.jcri.test/private/app:1", userPassword)).isEqualTo(p.configDigest());
        AuthConfig encoded = AuthConfig.newBuilder()
                .setAuth(Base64.getEncoder().encodeToString(utf8(USER + ":" + PASSWORD))).build();
        cri.images().removeImage(RemoveImageRequest.newBuilder().setImage(spec(p.configDigest())).build());
        assertThat(pull("basic.jcri.test/private/app:1", encoded)).isEqualTo(p.configDigest());

        Pushed q = builder.push("fixtures/tokened", "1", Format.OCI, List.of(ImageBuilder.tar()
                .file("only-via-token", 0644, utf8("t")).layer(Compression.GZIP, Format.OCI)), "", List.of("token"));
        assertThatThrownBy(() -> pull("token.jcri.test/fixtures/tokened:1"))
                .isInstanceOf(StatusRuntimeException.class);
        int tokensBefore = tokenProxy.tokensIssued.get();
        assertThat(pull("token.jcri.test/fixtures/tokened:1", userPassword)).isEqualTo(q.configDigest());
        assertThat(tokenProxy.storageRequests.get()).isPositive();
        assertThat(tokenProxy.credentialsLeakedToStorage.get()).isZero();
        assertThat(tokenProxy.tokensIssued.get()).isEqualTo(tokensBefore + 1);
        assertThat(jcri.logText()).doesNotContain(PASSWORD).doesNotContain(encoded.getAuth());
    }

    @Test
    void aPullWithoutCredentialsNeverUsesATokenAnotherPullObtained() throws Exception {
        Pushed p = builder.push("fixtures/tenant", "1", Format.OCI, List.of(ImageBuilder.tar()
                .file("private", 0644, utf8("p")).layer(Compression.GZIP, Format.OCI)), "", List.of("sh"));
        AuthConfig auth = AuthConfig.newBuilder().setUsername(USER).setPassword(PASSWORD).build();
        assertThat(pull("token.jcri.test/fixtures/tenant:1", auth)).isEqualTo(p.configDigest());
        cri.images().removeImage(RemoveImageRequest.newBuilder().setImage(spec(p.configDigest())).build());
        assertThatThrownBy(() -> pull("token.jcri.test/fixtures/tenant:1"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).contains("without credentials");
                });
        assertThat(status("token.jcri.test/fixtures/tenant:1").hasImage()).isFalse();
    }

    @Test
    void aRegistriesConfRuleChangedWhileJcriRunsAppliesToTheNextPull() throws Exception {
        Pushed p = builder.push("fixtures/late", "1", Format.OCI, List.of(ImageBuilder.tar()
                .file("late", 0644, utf8("l")).layer(Compression.GZIP, Format.OCI)), "", List.of("sh"));
        try {
            Files.writeString(conf, confText.replace("location = \"127.0.0.1:9\"",
                    "location = \"" + open.host() + "\""));
            assertThat(pull("late.jcri.test/fixtures/late:1")).isEqualTo(p.configDigest());
        } finally {
            Files.writeString(conf, confText);
        }
        assertThat(jcri.logText()).contains("registries configuration " + conf + " changed");
    }

    @Test
    void aLoopbackRegistryWithoutAnyRuleIsPulledOverPlainHttp() throws Exception {
        Pushed p = builder.push("fixtures/loopback", "1", Format.OCI, List.of(ImageBuilder.tar()
                .file("loop", 0644, utf8("l")).layer(Compression.GZIP, Format.OCI)), "", List.of("sh"));
        assertThat(confText).doesNotContain("prefix = \"" + open.host());
        assertThat(pull(open.host() + "/fixtures/loopback:1")).isEqualTo(p.configDigest());
        assertThat(jcri.logText()).contains("registry " + open.host() + " is on loopback");
    }

    @Test
    void aRegistryAnsweringPlainHttpToHttpsFailsAtOnceSayingWhatToChange() throws Exception {
        builder.push("fixtures/plain", "1", Format.OCI, List.of(ImageBuilder.tar()
                .file("plain", 0644, utf8("p")).layer(Compression.GZIP, Format.OCI)), "", List.of("sh"));
        long start = System.nanoTime();
        assertThatThrownBy(() -> pull("plainhttp.jcri.test/fixtures/plain:1"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).contains("answered plain HTTP to an HTTPS request")
                            .contains("insecure");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void concurrentPullsOfOneImageShareEachDownload() throws Exception {
        List<Layer> layers = ImagePullBenchmark.randomLayers(3, 4 << 20);
        Pushed p = builder.push("fixtures/shared", "1", Format.OCI, layers, "", List.of("sh"));
        AuthConfig auth = AuthConfig.newBuilder().setUsername(USER).setPassword(PASSWORD).build();
        int before = tokenProxy.storageRequests.get();
        List<Thread> pullers = new ArrayList<>();
        List<String> ids = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 4; i++) {
            pullers.add(Thread.ofVirtual().start(() -> ids.add(pull("token.jcri.test/fixtures/shared:1", auth))));
        }
        for (Thread t : pullers) {
            t.join();
        }
        assertThat(ids).hasSize(4).containsOnly(p.configDigest());
        assertThat(tokenProxy.storageRequests.get() - before).as("blob downloads: the config and 3 layers, once each")
                .isEqualTo(4);
    }

    @Test
    void imageRpcsFollowTheCriSemantics() throws Exception {
        Pushed p = builder.push("fixtures/semantics", "1", Format.OCI,
                List.of(ImageBuilder.busyboxLayer(Compression.GZIP, Format.OCI)), "", List.of("sh"));
        builder.push("fixtures/semantics", "2", Format.OCI,
                List.of(ImageBuilder.busyboxLayer(Compression.GZIP, Format.OCI)), "", List.of("sh"));
        assertThat(status("fixtures.jcri.test/fixtures/semantics:1").hasImage()).isFalse();
        String id = pull("fixtures.jcri.test/fixtures/semantics:1");
        assertThat(pull("fixtures.jcri.test/fixtures/semantics:2")).isEqualTo(id);
        String byDigest = "fixtures.jcri.test/fixtures/semantics@" + p.manifestDigest();
        assertThat(pull(byDigest)).isEqualTo(id);

        Image byId = status(id).getImage();
        assertThat(status(id.substring(7, 19)).getImage()).isEqualTo(byId);
        assertThat(status(byDigest).getImage()).isEqualTo(byId);
        assertThat(status("fixtures.jcri.test/fixtures/semantics:2").getImage()).isEqualTo(byId);
        assertThat(byId.getRepoTagsList()).hasSize(2);
        ImageStatusResponse verbose = cri.images().imageStatus(ImageStatusRequest.newBuilder()
                .setImage(spec(id)).setVerbose(true).build());
        assertThat(verbose.getInfoMap().get("info")).contains("\"diff_ids\"");

        assertThat(cri.images().listImages(ListImagesRequest.newBuilder().setFilter(ImageFilter.newBuilder()
                .setImage(spec("fixtures.jcri.test/fixtures/semantics:1"))).build()).getImagesList())
                .extracting(Image::getId).containsExactly(id);
        assertThat(cri.images().listImages(ListImagesRequest.newBuilder().setFilter(ImageFilter.newBuilder()
                .setImage(spec("fixtures.jcri.test/none:1"))).build()).getImagesList()).isEmpty();
        List<Image> streamed = new ArrayList<>();
        cri.images().streamImages(StreamImagesRequest.getDefaultInstance())
                .forEachRemaining(r -> streamed.addAll(r.getImagesList()));
        assertThat(streamed).containsExactlyInAnyOrderElementsOf(
                cri.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList());

        ImageFsInfoResponse fs = cri.images().imageFsInfo(ImageFsInfoRequest.getDefaultInstance());
        assertThat(fs.getImageFilesystems(0).getFsId().getMountpoint()).isEqualTo(layers().toString());
        assertThat(fs.getImageFilesystems(0).getUsedBytes().getValue()).isGreaterThan(Files.size(Path.of("/bin/busybox")));
        assertThat(fs.getImageFilesystems(0).getInodesUsed().getValue()).isPositive();
        assertThat(fs.getContainerFilesystemsCount()).isEqualTo(1);

        // CRI v1: removing the image by a single tag removes all of its tags
        cri.images().removeImage(RemoveImageRequest.newBuilder()
                .setImage(spec("fixtures.jcri.test/fixtures/semantics:2")).build());
        assertThat(status(id).hasImage()).isFalse();
        assertThat(status("fixtures.jcri.test/fixtures/semantics:1").hasImage()).isFalse();
        cri.images().removeImage(RemoveImageRequest.newBuilder().setImage(spec(id)).build());
        cri.images().removeImage(RemoveImageRequest.newBuilder().setImage(spec("never/pulled:1")).build());
        assertThatThrownBy(() -> cri.images().removeImage(RemoveImageRequest.newBuilder()
                .setImage(spec("Bad Reference")).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }

    @Test
    void aStalledPullFailsWithDeadlineExceededAndACancelledOneStops() throws Exception {
        List<Layer> layers = ImagePullBenchmark.randomLayers(1, 1 << 20);
        builder.push("fixtures/stalls", "1", Format.OCI, layers, "", List.of("sh"));
        long start = System.nanoTime();
        assertThatThrownBy(() -> pull("stalling.jcri.test/fixtures/stalls:1"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                    assertThat(e.getStatus().getDescription()).contains("no progress for 4 s");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(30));

        assertThatThrownBy(() -> cri.images().withDeadlineAfter(1, TimeUnit.SECONDS).pullImage(PullImageRequest
                .newBuilder().setImage(spec("stalling.jcri.test/fixtures/stalls:1")).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!jcri.logText().contains("fixtures/stalls:1: cancelled") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(jcri.logText()).contains("fixtures/stalls:1: cancelled");
        assertThat(entries(jcri.dir().resolve("lib/content/ingest"))).isEmpty();
    }

    @Test
    void aPullKilledHalfwayLeavesAStoreTheNextPullCompletes() throws Exception {
        List<Layer> layers = ImagePullBenchmark.randomLayers(5, 40 << 20);
        Pushed p = builder.push("fixtures/large", "1", Format.OCI, layers, "", List.of("sh"));
        Thread puller = Thread.ofVirtual().start(() -> {
            try {
                pull("fixtures.jcri.test/fixtures/large:1");
            } catch (StatusRuntimeException expected) {
                // the daemon dies under this call
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (ImagePullBenchmark.bytesUnder(layers()) < (8 << 20) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        jcri.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        puller.join();
        cri.close();
        Files.deleteIfExists(jcri.socket());
        jcri.launch();
        cri = jcri.client();
        assertThat(status("fixtures.jcri.test/fixtures/large:1").hasImage()).as("killed before the pull ended").isFalse();
        assertThat(entries(layers())).noneMatch(l -> l.getFileName().toString().startsWith("."));

        assertThat(pull("fixtures.jcri.test/fixtures/large:1")).isEqualTo(p.configDigest());
        assertThat(entries(jcri.dir().resolve("lib/content/ingest"))).isEmpty();
        assertThat(entries(layers())).hasSize(5).allMatch(l -> !l.getFileName().toString().startsWith("."));

        cri.images().removeImage(RemoveImageRequest.newBuilder().setImage(spec(p.configDigest())).build());
        double mbPerSecond = ImagePullBenchmark.measure(() -> pull("fixtures.jcri.test/fixtures/large:1"),
                layers.stream().mapToLong(l -> l.blob().bytes().length).sum());
        System.out.printf("pull throughput of a %d MB 5-layer gzip image from the local registry: %.1f MB/s%n",
                layers.stream().mapToLong(l -> l.blob().bytes().length).sum() >> 20, mbPerSecond);
    }

    private static String pull(String ref) {
        return pull(ref, AuthConfig.getDefaultInstance());
    }

    private static String pull(String ref, AuthConfig auth) {
        return cri.images().withDeadlineAfter(5, TimeUnit.MINUTES).pullImage(PullImageRequest.newBuilder()
                .setImage(spec(ref)).setAuth(auth).build()).getImageRef();
    }

    private static ImageStatusResponse status(String ref) {
        return cri.images().imageStatus(ImageStatusRequest.newBuilder().setImage(spec(ref)).build());
    }

    private static ImageSpec spec(String ref) {
        return ImageSpec.newBuilder().setImage(ref).build();
    }

    private static List<String> layerDiffIds(String id) throws Exception {
        String info = cri.images().imageStatus(ImageStatusRequest.newBuilder().setImage(spec(id)).setVerbose(true)
                .build()).getInfoMap().get("info");
        List<String> out = new ArrayList<>();
        new ObjectMapper().readTree(info).path("rootfs").path("diff_ids")
                .forEach(n -> out.add(n.asText()));
        return out;
    }

    private static Path layers() {
        return jcri.dir().resolve("lib/layers");
    }

    private static Path blobs() {
        return jcri.dir().resolve("lib/content/blobs/sha256");
    }

    private static String hex(String digest) {
        return digest.substring("sha256:".length());
    }

    private static List<Path> entries(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
        }
        return out;
    }
}
