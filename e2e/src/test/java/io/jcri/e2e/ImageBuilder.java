package io.jcri.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Builds fixture images in Java (tar layers, gzip or zstd, an image config, an OCI or Docker manifest, an index)
 * and pushes them to a registry through the distribution API: small blobs in one PUT, large ones in chunks.
 */
public final class ImageBuilder {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 8 << 20;
    private static final Instant MTIME = Instant.parse("2024-01-01T00:00:00Z");

    public enum Compression { NONE, GZIP, ZSTD }

    public enum Format { OCI, DOCKER }

    /** A blob with its media type and digest. */
    public record Blob(String mediaType, String digest, byte[] bytes) {
    }

    /** A compressed layer and the digest of its uncompressed tar. */
    public record Layer(Blob blob, String diffId) {
    }

    /** What a push produced: the top manifest digest (index or manifest) and the image ID (config digest). */
    public record Pushed(String reference, String manifestDigest, String configDigest, long bytes) {
    }

    private final HttpClient http = HttpClient.newHttpClient();
    private final String host;
    private final String authorization;

    /** @param authorization an Authorization header value for pushes, or null */
    public ImageBuilder(String host, String authorization) {
        this.host = host;
        this.authorization = authorization;
    }

    /** A tar layer under construction; entries get uid 0 unless said otherwise and a fixed mtime. */
    public static final class Tar {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes, "UTF-8");

        Tar() {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        }

        public Tar dir(String name, int mode) throws IOException {
            return put(new TarArchiveEntry(name + "/"), mode, 0, null, Map.of());
        }

        public Tar file(String name, int mode, byte[] content) throws IOException {
            return file(name, mode, 0, content, Map.of());
        }

        public Tar file(String name, int mode, int owner, byte[] content, Map<String, String> pax) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name, true);
            e.setSize(content.length);
            return put(e, mode, owner, content, pax);
        }

        public Tar symlink(String name, String target) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
            e.setLinkName(target);
            return put(e, 0777, 0, null, Map.of());
        }

        public Tar hardlink(String name, String target) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
            e.setLinkName(target);
            return put(e, 0644, 0, null, Map.of());
        }

        public Tar node(String name, byte type, int major, int minor) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name, type, true);
            e.setDevMajor(major);
            e.setDevMinor(minor);
            return put(e, 0666, 0, null, Map.of());
        }

        private Tar put(TarArchiveEntry e, int mode, int owner, byte[] content, Map<String, String> pax)
                throws IOException {
            e.setMode(mode);
            e.setUserId(owner);
            e.setGroupId(owner);
            e.setModTime(Date.from(MTIME));
            pax.forEach(e::addPaxHeader);
            tar.putArchiveEntry(e);
            if (content != null) {
                tar.write(content);
            }
            tar.closeArchiveEntry();
            return this;
        }

        /** Finishes the tar and compresses it; media types follow the format. */
        public Layer layer(Compression c, Format f) throws IOException {
            tar.close();
            byte[] raw = bytes.toByteArray();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (OutputStream w = switch (c) {
                case NONE -> out;
                case GZIP -> new GZIPOutputStream(out, 1 << 16) {
                    {
                        def.setLevel(Deflater.BEST_SPEED);
                    }
                };
                case ZSTD -> new ZstdOutputStream(out);
            }) {
                w.write(raw);
            }
            String type = f == Format.DOCKER ? "application/vnd.docker.image.rootfs.diff.tar" + (c == Compression.NONE
                    ? "" : ".gzip") : "application/vnd.oci.image.layer.v1.tar" + switch (c) {
                        case NONE -> "";
                        case GZIP -> "+gzip";
                        case ZSTD -> "+zstd";
                    };
            byte[] blob = out.toByteArray();
            return new Layer(new Blob(type, digest(blob), blob), digest(raw));
        }
    }

    public static Tar tar() {
        return new Tar();
    }

    /** A layer holding Debian's static busybox as /bin/busybox with /bin/sh linked to it. */
    public static Layer busyboxLayer(Compression c, Format f) throws IOException {
        return tar().dir("bin", 0755).file("bin/busybox", 0755, Files.readAllBytes(Path.of("/bin/busybox")))
                .symlink("bin/sh", "busybox").layer(c, f);
    }

    /** An uncompressed layer of the tar {@code tar} as it is (an archive pushed as a layer, as buildah adds one). */
    public static Layer tarLayer(byte[] tar) {
        return new Layer(new Blob("application/vnd.oci.image.layer.v1.tar", digest(tar), tar), digest(tar));
    }

    /** Pushes layers, a config (with {@code user} and {@code cmd}) and a manifest tagged {@code tag}. */
    public Pushed push(String repo, String tag, Format f, List<Layer> layers, String user, List<String> cmd)
            throws Exception {
        return pushManifest(repo, tag, f, layers, user, cmd, "amd64", Map.of());
    }

    /** Pushes an OCI image of {@code layers}, without user or command, whose manifest has {@code annotations}. */
    public Pushed push(String repo, String tag, List<Layer> layers, Map<String, String> annotations)
            throws Exception {
        return pushManifest(repo, tag, Format.OCI, layers, "", List.of(), "amd64", annotations);
    }

    /**
     * Pushes an index (OCI) or manifest list (Docker) under {@code tag} whose arm64 entry comes first and whose
     * amd64 entry is the image of {@code amd64Layers}.
     */
    public Pushed pushMultiArch(String repo, String tag, Format f, List<Layer> amd64Layers, List<Layer> arm64Layers)
            throws Exception {
        Pushed arm = pushManifest(repo, null, f, arm64Layers, "", List.of("arm"), "arm64", Map.of());
        Pushed amd = pushManifest(repo, null, f, amd64Layers, "", List.of("amd"), "amd64", Map.of());
        String manifestType = f == Format.OCI ? "application/vnd.oci.image.manifest.v1+json"
                : "application/vnd.docker.distribution.manifest.v2+json";
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("mediaType", f == Format.OCI ? "application/vnd.oci.image.index.v1+json"
                : "application/vnd.docker.distribution.manifest.list.v2+json");
        List<Map<String, Object>> entries = new ArrayList<>();
        for (Pushed p : List.of(arm, amd)) {
            boolean isArm = p == arm;
            entries.add(Map.of("mediaType", manifestType, "digest", p.manifestDigest(), "size", p.bytes(),
                    "platform", isArm ? Map.of("os", "linux", "architecture", "arm64", "variant", "v8")
                            : Map.of("os", "linux", "architecture", "amd64")));
        }
        index.put("manifests", entries);
        byte[] bytes = JSON.writeValueAsBytes(index);
        putManifest(repo, tag, (String) index.get("mediaType"), bytes);
        return new Pushed(host + "/" + repo + ":" + tag, digest(bytes), amd.configDigest(), bytes.length);
    }

    private Pushed pushManifest(String repo, String tag, Format f, List<Layer> layers, String user, List<String> cmd,
                                String arch, Map<String, String> annotations) throws Exception {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("architecture", arch);
        config.put("os", "linux");
        config.put("created", MTIME.toString());
        config.put("config", Map.of("User", user, "Cmd", cmd, "Env", List.of("PATH=/bin"), "WorkingDir", "/"));
        config.put("rootfs", Map.of("type", "layers", "diff_ids", layers.stream().map(Layer::diffId).toList()));
        byte[] configBytes = JSON.writeValueAsBytes(config);
        Blob configBlob = new Blob(f == Format.OCI ? "application/vnd.oci.image.config.v1+json"
                : "application/vnd.docker.container.image.v1+json", digest(configBytes), configBytes);
        uploadBlob(repo, configBlob);
        for (Layer l : layers) {
            uploadBlob(repo, l.blob());
        }
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        String type = f == Format.OCI ? "application/vnd.oci.image.manifest.v1+json"
                : "application/vnd.docker.distribution.manifest.v2+json";
        manifest.put("mediaType", type);
        manifest.put("config", descriptor(configBlob));
        manifest.put("layers", layers.stream().map(l -> descriptor(l.blob())).toList());
        if (f == Format.OCI) {
            Map<String, String> all = new LinkedHashMap<>(annotations);
            all.put("org.opencontainers.image.title", repo);
            manifest.put("annotations", all);
        }
        byte[] bytes = JSON.writeValueAsBytes(manifest);
        String digest = digest(bytes);
        putManifest(repo, tag == null ? digest : tag, type, bytes);
        return new Pushed(host + "/" + repo + (tag == null ? "@" + digest : ":" + tag), digest, configBlob.digest(),
                bytes.length);
    }

    private static Map<String, Object> descriptor(Blob b) {
        return Map.of("mediaType", b.mediaType(), "digest", b.digest(), "size", b.bytes().length);
    }

    private void putManifest(String repo, String reference, String type, byte[] bytes) throws Exception {
        expect(send(request(URI.create("http://" + host + "/v2/" + repo + "/manifests/" + reference))
                .header("Content-Type", type).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes))), 201, "manifest");
    }

    /** Uploads a blob unless present: monolithic PUT when small, PATCH chunks then PUT when large. */
    private void uploadBlob(String repo, Blob b) throws Exception {
        URI head = URI.create("http://" + host + "/v2/" + repo + "/blobs/" + b.digest());
        if (send(request(head).method("HEAD", HttpRequest.BodyPublishers.noBody())).statusCode() == 200) {
            return;
        }
        HttpResponse<String> start = expect(send(request(URI.create("http://" + host + "/v2/" + repo
                + "/blobs/uploads/")).POST(HttpRequest.BodyPublishers.noBody())), 202, "upload start");
        URI location = location(start);
        byte[] data = b.bytes();
        if (data.length > CHUNK) {
            for (int off = 0; off < data.length; off += CHUNK) {
                int end = Math.min(data.length, off + CHUNK);
                HttpResponse<String> r = expect(send(request(location)
                        .header("Content-Type", "application/octet-stream")
                        .header("Content-Range", off + "-" + (end - 1))
                        .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(Arrays.copyOfRange(data, off, end)))),
                        202, "upload chunk");
                location = location(r);
            }
            data = new byte[0];
        }
        String sep = location.toString().contains("?") ? "&" : "?";
        expect(send(request(URI.create(location + sep + "digest=" + b.digest()))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(data))), 201, "upload finish");
    }

    private URI location(HttpResponse<?> r) {
        String l = r.headers().firstValue("Location").orElseThrow();
        return URI.create("http://" + host + "/").resolve(l);
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri);
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b;
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> expect(HttpResponse<String> r, int status, String what) {
        if (r.statusCode() != status) {
            throw new IllegalStateException(what + ": " + r.statusCode() + " " + r.body());
        }
        return r;
    }

    public static String digest(byte[] bytes) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
