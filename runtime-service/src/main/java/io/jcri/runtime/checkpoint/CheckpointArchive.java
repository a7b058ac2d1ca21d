package io.jcri.runtime.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcri.image.layer.LayerUnpacker;
import io.jcri.oci.mount.SecureJoin;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * A container checkpoint archive in the layout CRI-O and Podman write, which {@code checkpointctl} reads: a tar of
 * {@code checkpoint/} (CRIU's images), {@code config.dump} (id, name, image, runtime, times), {@code spec.dump}
 * (the OCI spec, with the annotations naming container, pod and log path), {@code rootfs-diff.tar} (files added or
 * changed in the writable layer) and {@code deleted.files} (a JSON list of the image's files it deleted), plus
 * {@code cri-config.pb}, jcri's own: the CreateContainer config the container was made from (see RestoreConfig).
 */
public final class CheckpointArchive {
    public static final String IMAGES = "checkpoint";
    public static final String CONFIG_DUMP = "config.dump";
    public static final String SPEC_DUMP = "spec.dump";
    public static final String ROOTFS_DIFF = "rootfs-diff.tar";
    public static final String DELETED_FILES = "deleted.files";
    public static final String CRI_CONFIG = "cri-config.pb";
    /** The manifest annotation of a checkpoint image (checkpointctl's, which buildah and Podman set). */
    public static final String IMAGE_ANNOTATION = "org.criu.checkpoint.container.name";
    /** CRI-O's older manifest annotation of a checkpoint image. */
    public static final String CRIO_IMAGE_ANNOTATION = "io.kubernetes.cri-o.annotations.checkpoint.name";
    /** What one archive may unpack to, CRIU's memory pages included. */
    private static final long MAX_UNPACKED = 64L << 30;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;

    /** The container as config.dump records it. */
    public record Config(String id, String name, String rootfsImage, String rootfsImageRef, String rootfsImageName,
                         String runtime, Instant createdTime, Instant checkpointedTime) {
        /** The image the container ran: its ID or digest reference, else its name (older CRI-O archives). */
        public String image() {
            return rootfsImageRef.isEmpty() ? rootfsImageName : rootfsImageRef;
        }
    }

    private CheckpointArchive() {
    }

    /** Writes config.dump, spec.dump (the OCI spec plus {@code annotations}) and the CRI config into {@code dir}. */
    public static void writeMetadata(Path dir, Config c, byte[] ociSpec, Map<String, String> annotations,
                                     byte[] criConfig) throws IOException {
        ObjectNode config = JSON.createObjectNode().put("id", c.id()).put("name", c.name())
                .put("rootfsImage", c.rootfsImage()).put("rootfsImageRef", c.rootfsImageRef())
                .put("rootfsImageName", c.rootfsImageName()).put("runtime", c.runtime())
                .put("createdTime", c.createdTime().toString())
                .put("checkpointedTime", c.checkpointedTime().toString())
                .put("restoredTime", Instant.EPOCH.toString()).put("restored", false);
        Files.write(dir.resolve(CONFIG_DUMP), JSON.writeValueAsBytes(config));
        ObjectNode spec = (ObjectNode) JSON.readTree(ociSpec);
        ObjectNode a = spec.has("annotations") ? (ObjectNode) spec.get("annotations") : spec.putObject("annotations");
        annotations.forEach(a::put);
        Files.write(dir.resolve(SPEC_DUMP), JSON.writeValueAsBytes(spec));
        Files.write(dir.resolve(CRI_CONFIG), criConfig);
    }

    /**
     * Writes the changes of an overlay upper directory into {@code dir}: {@code rootfs-diff.tar} with what was
     * added or changed, {@code deleted.files} with the paths the overlay whites out.
     */
    public static void writeRootfsDiff(Path upper, Path dir) throws IOException {
        List<String> deleted = new ArrayList<>();
        try (OutputStream out = Files.newOutputStream(dir.resolve(ROOTFS_DIFF));
             TarArchiveOutputStream tar = tarOf(out)) {
            addTree(tar, upper, "", deleted);
        }
        Files.write(dir.resolve(DELETED_FILES), JSON.writeValueAsBytes(deleted));
    }

    /**
     * Writes the archive of {@code dir} to {@code target} and syncs it to disk (the caller renames it into place).
     */
    public static void pack(Path dir, Path target) throws IOException {
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            try (OutputStream out = java.nio.channels.Channels.newOutputStream(ch);
                 TarArchiveOutputStream tar = tarOf(new java.io.BufferedOutputStream(out, 1 << 20))) {
                addTree(tar, dir, "", null);
                tar.finish();
                tar.flush();
                ch.force(true);
            }
        }
    }

    /**
     * Unpacks an archive into the empty directory {@code dir}, refusing hostile entries (absolute names, {@code ..},
     * links out), and reads it as a checkpoint ({@link #read}).
     *
     * @throws IOException or the unpacker's exception when it is not a readable checkpoint archive
     */
    public static Config unpack(Path archive, Path dir) throws IOException {
        try (InputStream in = Files.newInputStream(archive)) {
            new LayerUnpacker(true, MAX_UNPACKED).unpack(in, dir);
        }
        return read(dir);
    }

    /**
     * Whether an image's manifest annotations mark it as a checkpoint image: one layer holding an archive's
     * content, annotated as checkpointctl build, buildah and Podman annotate it ({@value #IMAGE_ANNOTATION}, or
     * CRI-O's older {@value #CRIO_IMAGE_ANNOTATION}).
     */
    public static boolean isCheckpointImage(Map<String, String> annotations) {
        return annotations.containsKey(IMAGE_ANNOTATION) || annotations.containsKey(CRIO_IMAGE_ANNOTATION);
    }

    /**
     * Copies the unpacked layer of a checkpoint image into the empty directory {@code dir} (copies, not links:
     * CRIU's restore writes its log and statistics beside the images, which must not reach the shared layer) and
     * reads it as a checkpoint ({@link #read}).
     */
    public static Config copy(Path layer, Path dir) throws IOException {
        List<Path> paths;
        try (Stream<Path> s = Files.walk(layer)) {
            paths = s.filter(p -> !p.equals(layer)).sorted().toList();
        }
        for (Path p : paths) {
            Files.copy(p, dir.resolve(layer.relativize(p).toString()), StandardCopyOption.COPY_ATTRIBUTES,
                    LinkOption.NOFOLLOW_LINKS);
        }
        return read(dir);
    }

    /**
     * Checks that the unpacked {@code dir} is a checkpoint (CRIU images, jcri's config, a config.dump naming the
     * image) and returns its config.dump.
     */
    private static Config read(Path dir) throws IOException {
        if (!Files.isDirectory(dir.resolve(IMAGES), LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("it holds no " + IMAGES + "/ directory of CRIU images");
        }
        if (!Files.isRegularFile(dir.resolve(CRI_CONFIG), LinkOption.NOFOLLOW_LINKS)
                && !Files.isRegularFile(dir.resolve(SPEC_DUMP), LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("it holds neither " + CRI_CONFIG + " nor " + SPEC_DUMP);
        }
        Path dump = dir.resolve(CONFIG_DUMP);
        JsonNode c = Files.isRegularFile(dump, LinkOption.NOFOLLOW_LINKS) ? JSON.readTree(dump.toFile()) : null;
        if (c == null || c.path("rootfsImageRef").asText("").isEmpty() && c.path("rootfsImageName").asText("")
                .isEmpty()) {
            throw new IOException(CONFIG_DUMP + " is missing or names no image (rootfsImageRef, rootfsImageName)");
        }
        return new Config(c.path("id").asText(), c.path("name").asText(), c.path("rootfsImage").asText(),
                c.path("rootfsImageRef").asText(), c.path("rootfsImageName").asText(), c.path("runtime").asText(),
                Instant.parse(c.path("createdTime").asText(Instant.EPOCH.toString())),
                Instant.parse(c.path("checkpointedTime").asText(Instant.EPOCH.toString())));
    }

    /**
     * Applies the writable layer's changes of an unpacked archive to a container: the diff unpacked into the
     * (still empty, unmounted) upper directory.
     */
    public static void restoreRootfsDiff(Path dir, Path upper) throws IOException {
        Files.createDirectories(upper);
        Path diff = dir.resolve(ROOTFS_DIFF);
        if (Files.isRegularFile(diff, LinkOption.NOFOLLOW_LINKS)) {
            try (InputStream in = Files.newInputStream(diff)) {
                new LayerUnpacker(true, MAX_UNPACKED).unpack(in, upper);
            }
        }
    }

    /** Deletes the files {@code deleted.files} lists through the mounted rootfs (the overlay whites them out). */
    public static void deleteFiles(Path dir, Path rootfs) throws IOException {
        Path list = dir.resolve(DELETED_FILES);
        if (!Files.isRegularFile(list, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        for (JsonNode n : JSON.readTree(list.toFile())) {
            Path p = SecureJoin.resolve(rootfs, n.asText());
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                io.jcri.oci.fs.Trees.delete(p);
            } else {
                Files.deleteIfExists(p);
            }
        }
    }

    private static TarArchiveOutputStream tarOf(OutputStream out) {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        return tar;
    }

    /**
     * Adds what is below {@code root} in name order: directories, files and symlinks with their owner, mode and
     * time. With {@code whiteouts}, overlay whiteouts (character devices 0/0) are listed there instead of added;
     * other special files are not carried.
     */
    private static void addTree(TarArchiveOutputStream tar, Path root, String prefix, List<String> whiteouts)
            throws IOException {
        List<Path> paths;
        try (Stream<Path> s = Files.walk(root)) {
            paths = s.filter(p -> !p.equals(root)).sorted().toList();
        }
        for (Path p : paths) {
            String name = prefix + root.relativize(p).toString();
            Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,rdev,lastModifiedTime",
                    LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) a.get("mode");
            TarArchiveEntry e;
            if (Files.isSymbolicLink(p)) {
                e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
                e.setLinkName(Files.readSymbolicLink(p).toString());
            } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                e = new TarArchiveEntry(name + "/", TarConstants.LF_DIR);
            } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                e = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
                e.setSize(Files.size(p));
            } else {
                if (whiteouts != null && (mode & S_IFMT) == S_IFCHR && ((Number) a.get("rdev")).longValue() == 0) {
                    whiteouts.add("/" + name);
                }
                continue;
            }
            e.setMode(mode & 07777);
            e.setUserId(((Number) a.get("uid")).longValue());
            e.setGroupId(((Number) a.get("gid")).longValue());
            e.setModTime((java.nio.file.attribute.FileTime) a.get("lastModifiedTime"));
            tar.putArchiveEntry(e);
            if (e.isFile()) {
                Files.copy(p, tar);
            }
            tar.closeArchiveEntry();
        }
    }
}
