package io.jcri.image.layer;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.KeyedLocks;
import io.jcri.image.Retries;
import io.jcri.image.content.Digests;
import io.jcri.oci.fs.AtomicFiles;
import io.jcri.oci.fs.Trees;
import io.jcri.oci.sys.Syscalls;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Unpacked layers under {@code <root>/<chainid-hex>/diff}, one per chain ID so that images sharing a base share
 * its directories. A layer is unpacked into {@code .tmp-*} and renamed into place, and removed by renaming it to
 * {@code .rm-*} first, so a visible layer directory is always complete; leftovers of a crash are cleaned at start.
 * Which layers are still needed is decided by the caller from the image records.
 */
public final class LayerStore {
    private static final String TMP = ".tmp-";
    private static final String RM = ".rm-";
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private final Path root;
    private final LayerUnpacker unpacker;
    private final KeyedLocks locks = new KeyedLocks();

    public LayerStore(Path root, LayerUnpacker unpacker) throws IOException {
        this.root = root;
        this.unpacker = unpacker;
        Files.createDirectories(root);
    }

    /** Chain IDs of a stack of diff IDs, lowest first: chain[0] = diff[0], chain[i] = H(chain[i-1] + " " + diff[i]). */
    public static List<String> chainIds(List<String> diffIds) {
        List<String> out = new ArrayList<>();
        for (String d : diffIds) {
            out.add(out.isEmpty() ? d : Digests.of(out.getLast() + " " + d));
        }
        return out;
    }

    public Path root() {
        return root;
    }

    /** The overlay lower dir of a layer. */
    public Path diffDir(String chainId) {
        return root.resolve(Digests.hex(chainId)).resolve("diff");
    }

    public boolean has(String chainId) {
        return Files.isDirectory(diffDir(chainId));
    }

    /** A layer blob to unpack, opened when needed. */
    public interface Blob {
        InputStream open() throws IOException;
    }

    /**
     * Makes sure layer {@code chainId} is unpacked, streaming {@code blob} into it when it is not and checking
     * that its uncompressed digest is {@code diffId}. The blob stream is read to its end (where a verifying
     * stream checks it); an unpack that breaks off on an I/O error is retried from the start. A concurrent call for the same chain waits and shares the result.
     */
    public Path ensure(String chainId, String diffId, Blob blob) {
        try (KeyedLocks.Held held = locks.lockInterruptibly(chainId, "layer " + chainId)) {
            Path dir = diffDir(chainId);
            if (Files.isDirectory(dir)) {
                return dir;
            }
            return Retries.run("unpacking layer " + diffId, () -> unpack(chainId, diffId, blob));
        }
    }

    private Path unpack(String chainId, String diffId, Blob blob) throws IOException {
        Path dir = diffDir(chainId);
        Path tmp = Files.createTempDirectory(root, TMP + Digests.hex(chainId).substring(0, 12) + "-");
        try {
            Path diff = Files.createDirectory(tmp.resolve("diff"));
            LayerUnpacker.Result r;
            try (InputStream in = blob.open()) {
                r = unpacker.unpack(in, diff);
            }
            if (!r.diffId().equals(diffId)) {
                throw new CriException(ErrorKind.FAILED_PRECONDITION, "layer " + diffId
                        + " unpacked to content with digest " + r.diffId() + ": corrupt or tampered");
            }
            // the layer's files and directories reach the disk before the rename makes it visible
            Syscalls.syncfs(tmp.toString());
            Files.move(tmp, dir.getParent(), StandardCopyOption.ATOMIC_MOVE);
            AtomicFiles.fsyncDirectory(root);
            return dir;
        } finally {
            Trees.delete(tmp);
        }
    }

    /** Every layer present. */
    public Set<String> list() throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            return s.map(p -> "sha256:" + p.getFileName())
                    .filter(d -> Digests.SHA256.matcher(d).matches())
                    .collect(Collectors.toSet());
        }
    }

    /**
     * Layers that a mounted overlay uses as a lower dir (a container's rootfs): kept by garbage collection even
     * when no image names them any more, and collected by a later one once unmounted.
     */
    public Set<String> mounted() throws IOException {
        return mountedIn(Files.readString(MOUNTINFO));
    }

    Set<String> mountedIn(String mountinfo) {
        Set<String> out = new HashSet<>();
        for (String line : mountinfo.split("\n")) {
            int sep = line.indexOf(" - overlay ");
            if (sep < 0) {
                continue;
            }
            for (String option : line.substring(sep).split(",")) {
                if (!option.startsWith("lowerdir=")) {
                    continue;
                }
                for (String lower : option.substring("lowerdir=".length()).split(":")) {
                    Path p = Path.of(lower.replace("\\040", " ").strip());
                    if (p.startsWith(root) && p.getNameCount() == root.getNameCount() + 2) {
                        String chain = "sha256:" + p.getName(root.getNameCount());
                        if (Digests.SHA256.matcher(chain).matches()) {
                            out.add(chain);
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Removes a layer: renamed out of sight first, so a crash midway leaves only a {@code .rm-} leftover. */
    public void remove(String chainId) throws IOException {
        Path dir = root.resolve(Digests.hex(chainId));
        if (!Files.exists(dir)) {
            return;
        }
        Path doomed = root.resolve(RM + Digests.hex(chainId) + "-" + System.nanoTime());
        Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
        Trees.delete(doomed);
    }

    /** Deletes what a crash left half-made or half-removed; call before any pull starts. */
    public void cleanLeftovers() throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(TMP)
                    || p.getFileName().toString().startsWith(RM)).toList()) {
                Trees.delete(p);
            }
        }
    }
}
