package io.jcri.e2e;

import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.e2e.ImageBuilder.Compression;
import io.jcri.e2e.ImageBuilder.Format;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The set-up container-level e2e tests share: a docker-registry of their own on 127.0.0.1, and a jcri daemon that
 * reaches it through a registries.conf rewrite of the made-up registry {@value #REGISTRY}, so image names in
 * tests never depend on a port and nothing can fall back to a real registry.
 */
final class FixtureDaemon implements AutoCloseable {
    static final String REGISTRY = "fixtures.jcri.test";

    private final LocalRegistry registry;
    private final Path conf;
    private final JcriProcess jcri;
    private final CriClients cri;

    private FixtureDaemon(LocalRegistry registry, Path conf, JcriProcess jcri) {
        this.registry = registry;
        this.conf = conf;
        this.jcri = jcri;
        this.cri = jcri.client();
    }

    /** Starts the registry and a daemon with the rewrite (plus {@code extraToml}: sections other than [image]). */
    static FixtureDaemon start(String extraToml) throws Exception {
        LocalRegistry registry = LocalRegistry.start();
        Path conf = null;
        try {
            conf = Files.createTempFile("jcri-registries-", ".conf");
            Files.writeString(conf, """
                    [[registry]]
                    prefix = "%s"
                    location = "%s"
                    insecure = true
                    """.formatted(REGISTRY, registry.host()));
            return new FixtureDaemon(registry, conf,
                    JcriProcess.start("[image]\nregistries_conf = \"" + conf + "\"\n" + extraToml));
        } catch (Exception | Error e) {
            registry.close();
            if (conf != null) {
                Files.deleteIfExists(conf);
            }
            throw e;
        }
    }

    /**
     * A busybox layer with {@code applets} linked into /bin, and /etc/passwd, /etc/group, /tmp and /mnt; the
     * static busybox has no links of its own.
     */
    static ImageBuilder.Layer busybox(List<String> applets, String passwd, String group) throws IOException {
        ImageBuilder.Tar tar = ImageBuilder.tar().dir("bin", 0755)
                .file("bin/busybox", 0755, Files.readAllBytes(Path.of("/bin/busybox"))).symlink("bin/sh", "busybox");
        for (String a : applets) {
            tar.symlink("bin/" + a, "busybox");
        }
        return tar.dir("etc", 0755).dir("tmp", 01777).dir("mnt", 0755)
                .file("etc/passwd", 0644, passwd.getBytes(StandardCharsets.UTF_8))
                .file("etc/group", 0644, group.getBytes(StandardCharsets.UTF_8))
                .layer(Compression.GZIP, Format.OCI);
    }

    /** Pushes {@code layer} as {@code repo:1} (running as {@code user}, command sh), pulls it, returns its name. */
    String pushAndPull(String repo, String user, ImageBuilder.Layer layer) throws Exception {
        new ImageBuilder(registry.host(), null).push(repo, "1", Format.OCI, List.of(layer), user, List.of("sh"));
        String image = REGISTRY + "/" + repo + ":1";
        cri.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image))
                .build());
        return image;
    }

    /** A builder pushing to the fixture registry (which the daemon knows as {@value #REGISTRY}). */
    ImageBuilder builder() {
        return new ImageBuilder(registry.host(), null);
    }

    JcriProcess jcri() {
        return jcri;
    }

    CriClients cri() {
        return cri;
    }

    /** Keeps the daemon's log as {@code target/<name>-jcri.log} for a failed run's post-mortem. */
    void keepLog(String name) throws IOException {
        Files.writeString(Path.of("target/" + name + "-jcri.log"), jcri.logText());
    }

    @Override
    public void close() throws Exception {
        try {
            cri.close();
            jcri.close();
        } finally {
            registry.close();
            Files.deleteIfExists(conf);
        }
    }
}
