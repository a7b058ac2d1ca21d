package io.jcri.image.content;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.KeyedLocks;
import io.jcri.image.Retries;
import io.jcri.oci.fs.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.function.LongConsumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Content-addressed blobs under {@code <root>/blobs/sha256/<hex>}. A blob is streamed into {@code <root>/ingest},
 * verified against its digest and size, fsynced and renamed into place, so a blob that is visible is complete.
 * Two writers of the same digest share the work: the second waits for the first and finds the blob there.
 */
public final class ContentStore {
    private final Path root;
    private final Path blobs;
    private final Path ingest;
    private final KeyedLocks locks = new KeyedLocks();

    public ContentStore(Path root) throws IOException {
        this.root = root;
        this.blobs = root.resolve("blobs/sha256");
        this.ingest = root.resolve("ingest");
        Files.createDirectories(blobs);
        Files.createDirectories(ingest);
    }

    /** A source of a blob's bytes, opened once per attempt. */
    public interface Source {
        InputStream open() throws IOException;
    }

    public Path root() {
        return root;
    }

    /** The directory holding one file per blob, named by the hex of its digest. */
    public Path blobsDir() {
        return blobs;
    }

    public Path path(String digest) {
        return blobs.resolve(Digests.hex(digest));
    }

    public boolean has(String digest) {
        return Files.isRegularFile(path(digest));
    }

    /**
     * Makes sure the blob is present, downloading it from {@code source} when it is not. {@code progress} receives
     * byte counts as they arrive; a download that breaks off is retried from the start. Waits (interruptibly) for
     * a concurrent download of the same digest.
     */
    public Path ensure(String digest, long size, Source source, LongConsumer progress) {
        try (KeyedLocks.Held held = locks.lockInterruptibly(digest, "blob " + digest)) {
            Path target = path(digest);
            if (Files.isRegularFile(target)) {
                return target;
            }
            return Retries.run("downloading blob " + digest, () -> {
                try (InputStream in = source.open()) {
                    write(digest, size, in, progress);
                }
                return target;
            });
        }
    }

    /** Stores small content already in memory (manifests, configs), verifying its digest. */
    public void put(String digest, byte[] bytes) {
        if (!Digests.of(bytes).equals(digest)) {
            throw new CriException(ErrorKind.FAILED_PRECONDITION, "content does not match its digest " + digest);
        }
        try {
            if (!has(digest)) {
                AtomicFiles.write(path(digest), bytes);
            }
        } catch (IOException e) {
            throw CriException.internal("storing blob " + digest + ": " + e.getMessage(), e);
        }
    }

    public byte[] read(String digest) {
        try {
            return Files.readAllBytes(path(digest));
        } catch (IOException e) {
            throw CriException.internal("reading blob " + digest + ": " + e.getMessage(), e);
        }
    }

    /** Every stored digest. */
    public Set<String> list() throws IOException {
        try (Stream<Path> s = Files.list(blobs)) {
            return s.map(p -> "sha256:" + p.getFileName()).filter(d -> Digests.SHA256.matcher(d).matches())
                    .collect(Collectors.toSet());
        }
    }

    public void delete(String digest) throws IOException {
        Files.deleteIfExists(path(digest));
    }

    /** Removes downloads a crash or kill left half-done; call before any pull starts. */
    public void cleanIngest() throws IOException {
        try (Stream<Path> s = Files.list(ingest)) {
            for (Path p : s.toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private void write(String digest, long size, InputStream in, LongConsumer progress) throws IOException {
        Path tmp = Files.createTempFile(ingest, Digests.hex(digest) + ".", ".part");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
                 OutputStream out = Channels.newOutputStream(ch)) {
                new VerifyingInputStream(in, digest, size, progress).transferTo(out);
                ch.force(true);
            }
            Files.move(tmp, path(digest), StandardCopyOption.ATOMIC_MOVE);
            AtomicFiles.fsyncDirectory(blobs);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
