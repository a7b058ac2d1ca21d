package io.jcri.image.layer;

import com.github.luben.zstd.ZstdInputStream;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.image.content.Digests;
import io.jcri.oci.OciException;
import io.jcri.oci.fs.Trees;
import io.jcri.oci.sys.Syscalls;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks one layer (a tar, plain or gzip- or zstd-compressed, detected from its first bytes) into an empty
 * directory, ready as an overlayfs lower dir: files, directories, symlinks, hard links, devices and FIFOs with
 * ownership, full modes, modification times and PAX extended attributes; {@code .wh.<name>} becomes an overlay
 * whiteout (character device 0/0) and {@code .wh..wh..opq} marks its directory opaque.
 *
 * <p>Hostile input is refused: absolute names, {@code ..} components, entries reached through a symlink and hard
 * links to anything outside the layer. What a layer costs is bounded ({@link TarBudget}): its unpacked size, the
 * metadata of each entry, and the memory its directories take ({@link DirectoryTimes}). Runs of zeros of at least a
 * block (sparse files' holes among them) are left as holes. The caller removes the directory when this throws.
 */
public final class LayerUnpacker {
    private static final String WHITEOUT = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";
    private static final String OPAQUE_XATTR = "trusted.overlay.opaque";
    private static final String PAX_XATTR = "SCHILY.xattr.";
    private static final String PAX_XATTR_B64 = "LIBARCHIVE.xattr.";

    /** Zero runs shorter than a filesystem block are written: they could not become a hole. */
    private static final int HOLE_MIN = 4096;
    private static final int COPY_BUFFER = 64 << 10;
    private static final byte[] ZEROS = new byte[COPY_BUFFER];
    /** Extended PAX records an entry may carry (global ones included, which the tar reader accumulates). */
    private static final int MAX_EXTRA_PAX_BYTES = TarBudget.MAX_ENTRY_METADATA;
    private static final int MAX_SPARSE_REGIONS = 1 << 16;

    private final boolean applyOwnership;
    private final long maxUnpackedBytes;

    /**
     * @param applyOwnership   chown entries to their tar uid/gid (needs root; off for unprivileged tests)
     * @param maxUnpackedBytes a layer whose uncompressed tar plus sparse holes exceeds this is refused
     */
    public LayerUnpacker(boolean applyOwnership, long maxUnpackedBytes) {
        this.applyOwnership = applyOwnership;
        this.maxUnpackedBytes = maxUnpackedBytes;
    }

    /** What unpacking produced. @param diffId digest of the uncompressed tar, to check against the image config */
    public record Result(String diffId, long entries) {
    }

    /**
     * Unpacks {@code layer} into {@code root} (an existing empty directory), reading {@code layer} to its end so
     * that a verifying stream underneath sees all of it.
     */
    public Result unpack(InputStream layer, Path root) throws IOException {
        MessageDigest md = Digests.newSha256();
        DirectoryTimes dirTimes = new DirectoryTimes();
        byte[] buffer = new byte[COPY_BUFFER];
        long count = 0;
        BufferedInputStream raw = new BufferedInputStream(layer, 64 * 1024);
        try (TarBudget budget = new TarBudget(new DigestInputStream(decompress(raw), md), maxUnpackedBytes);
             TarArchiveInputStream tar = new TarArchiveInputStream(budget, StandardCharsets.UTF_8.name())) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                budget.data();
                if (Thread.currentThread().isInterrupted()) {
                    throw new CriException(ErrorKind.CANCELLED, "unpacking cancelled");
                }
                count++;
                check(e, budget);
                try {
                    extract(tar, e, root, dirTimes, buffer);
                } catch (OciException ex) {
                    // A syscall refused what the entry asks for (a bad device number, an xattr the fs lacks).
                    CriException refusal = refused(e.getName(), ex.getMessage());
                    refusal.initCause(ex);
                    throw refusal;
                }
                // data an entry other than a file carries is read here, not as the next entry's metadata
                tar.transferTo(OutputStream.nullOutputStream());
                budget.header();
            }
            budget.data();
            budget.transferTo(OutputStream.nullOutputStream());
            raw.transferTo(OutputStream.nullOutputStream());
        }
        // creating entries changes their directory's time: directories get theirs once all entries exist
        dirTimes.apply();
        return new Result(Digests.format(md.digest()), count);
    }

    /** Refuses an entry whose metadata would cost unbounded memory and charges a sparse file's holes. */
    private static void check(TarArchiveEntry e, TarBudget budget) {
        long pax = 0;
        for (Map.Entry<String, String> h : e.getExtraPaxHeaders().entrySet()) {
            pax += h.getKey().length() + h.getValue().length();
        }
        if (pax > MAX_EXTRA_PAX_BYTES) {
            throw new CriException(ErrorKind.RESOURCE_EXHAUSTED, "layer entry \"" + e.getName()
                    + "\" carries more than " + MAX_EXTRA_PAX_BYTES + " bytes of PAX records");
        }
        if (e.isSparse()) {
            if (e.getSparseHeaders() != null && e.getSparseHeaders().size() > MAX_SPARSE_REGIONS) {
                throw new CriException(ErrorKind.RESOURCE_EXHAUSTED, "layer entry \"" + e.getName()
                        + "\" is a sparse file of more than " + MAX_SPARSE_REGIONS + " regions");
            }
            budget.holes(e.getName(), Math.max(0, e.getRealSize() - e.getSize()));
        }
    }

    private static InputStream decompress(BufferedInputStream in) throws IOException {
        in.mark(4);
        byte[] magic = in.readNBytes(4);
        in.reset();
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            return new GZIPInputStream(in, 64 * 1024);
        }
        if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
                && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
            return new BufferedInputStream(new ZstdInputStream(in), 64 * 1024);
        }
        return in;
    }

    private void extract(TarArchiveInputStream tar, TarArchiveEntry e, Path root, DirectoryTimes dirTimes,
                         byte[] buffer) throws IOException {
        String name = e.getName();
        Path target = resolve(root, name);
        if (target.equals(root)) {
            if (e.isDirectory()) {
                applyMetadata(root, e);
                dirTimes.remember(root, e.getLastModifiedTime());
            }
            return;
        }
        String base = target.getFileName().toString();
        if (base.equals(OPAQUE)) {
            Files.createDirectories(target.getParent());
            Syscalls.lsetxattr(target.getParent().toString(), OPAQUE_XATTR, new byte[] {'y'});
            return;
        }
        if (base.startsWith(WHITEOUT + WHITEOUT)) {
            return;
        }
        if (base.startsWith(WHITEOUT)) {
            Path hidden = target.resolveSibling(base.substring(WHITEOUT.length()));
            removeExisting(hidden, dirTimes);
            Syscalls.mknod(hidden.toString(), Syscalls.S_IFCHR, 0);
            return;
        }
        if (e.isDirectory()) {
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                removeExisting(target, dirTimes);
                Files.createDirectory(target);
            }
            applyMetadata(target, e);
            dirTimes.remember(target, e.getLastModifiedTime());
            return;
        }
        removeExisting(target, dirTimes);
        if (e.isSymbolicLink()) {
            Files.createSymbolicLink(target, Path.of(e.getLinkName()));
        } else if (e.isLink()) {
            Path source = resolve(root, e.getLinkName());
            if (source.equals(root) || !Files.exists(source, LinkOption.NOFOLLOW_LINKS)
                    || Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
                throw refused(name, "hard link to \"" + e.getLinkName() + "\", which is not a file earlier in the layer");
            }
            Files.createLink(target, source);
            return;
        } else if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
            int type = e.isCharacterDevice() ? Syscalls.S_IFCHR : e.isBlockDevice() ? Syscalls.S_IFBLK : Syscalls.S_IFIFO;
            long dev = e.isFIFO() ? 0 : Syscalls.makedev(e.getDevMajor(), e.getDevMinor());
            Syscalls.mknod(target.toString(), type | (e.getMode() & 0777), dev);
        } else if (e.isFile()) {
            try (WritebackOutputStream out = new WritebackOutputStream(FileChannel.open(target,
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), target)) {
                copy(tar, out, buffer);
            }
        } else {
            throw refused(name, "unsupported tar entry type");
        }
        applyMetadata(target, e);
        DirectoryTimes.set(target, e.getLastModifiedTime());
    }

    /** Copies a file's data, leaving whole buffers of zeros as holes. */
    private static void copy(InputStream in, WritebackOutputStream out, byte[] buffer) throws IOException {
        int n;
        while ((n = in.readNBytes(buffer, 0, buffer.length)) > 0) {
            if (n >= HOLE_MIN && Arrays.mismatch(buffer, 0, n, ZEROS, 0, n) < 0) {
                out.hole(n);
            } else {
                out.write(buffer, 0, n);
            }
        }
    }

    private void applyMetadata(Path p, TarArchiveEntry e) {
        String path = p.toString();
        if (applyOwnership) {
            Syscalls.lchown(path, (int) e.getLongUserId(), (int) e.getLongGroupId());
        }
        if (!e.isSymbolicLink()) {
            // after chown, which clears setuid/setgid
            Syscalls.chmod(path, e.getMode() & 07777);
        }
        for (Map.Entry<String, String> h : e.getExtraPaxHeaders().entrySet()) {
            if (h.getKey().startsWith(PAX_XATTR)) {
                Syscalls.lsetxattr(path, h.getKey().substring(PAX_XATTR.length()),
                        h.getValue().getBytes(StandardCharsets.UTF_8));
            } else if (h.getKey().startsWith(PAX_XATTR_B64)) {
                Syscalls.lsetxattr(path, h.getKey().substring(PAX_XATTR_B64.length()),
                        Base64.getDecoder().decode(h.getValue()));
            }
        }
    }

    /**
     * The path of entry {@code name} under {@code root}, creating missing parent directories. Refuses absolute
     * names, {@code ..}, and parents that are not real directories (a symlink parent could point anywhere).
     */
    static Path resolve(Path root, String name) {
        if (name.startsWith("/")) {
            throw refused(name, "absolute path");
        }
        List<String> parts = new ArrayList<>();
        for (String part : name.split("/")) {
            if (part.equals("..")) {
                throw refused(name, "\"..\" component");
            }
            if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        Path p = root;
        for (int i = 0; i < parts.size(); i++) {
            p = p.resolve(parts.get(i));
            if (i == parts.size() - 1) {
                break;
            }
            if (Files.isSymbolicLink(p)) {
                throw refused(name, "its parent " + root.relativize(p) + " is a symlink");
            }
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createDirectory(p);
                    // A parent the tar does not list gets the usual 0755, not jcri's umask (077).
                    Syscalls.chmod(p.toString(), 0755);
                } catch (IOException ex) {
                    throw CriException.internal("creating " + p + ": " + ex.getMessage(), ex);
                }
            } else if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                throw refused(name, "its parent " + root.relativize(p) + " is not a directory");
            }
        }
        return p;
    }

    /**
     * Deletes what an entry replaces. A directory's pending times go with it: a symlink put in its place would
     * otherwise carry them to wherever it points.
     */
    private static void removeExisting(Path p, DirectoryTimes dirTimes) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            dirTimes.forget(p);
        }
        Trees.delete(p);
    }

    private static CriException refused(String name, String why) {
        return new CriException(ErrorKind.FAILED_PRECONDITION, "layer entry \"" + name + "\" refused: " + why);
    }
}
