package io.jcri.image.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a hostile layer may cost: its unpacked size, its entries' metadata, the disk its zeros take. */
class LayerUnpackerLimitsTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    private Path unpack(long limit, byte[] layer) throws IOException {
        Path root = Files.createTempDirectory(dir, "layer");
        new LayerUnpacker(false, limit).unpack(new ByteArrayInputStream(layer), root);
        return root;
    }

    private static CriException exhausted(Throwable t) {
        assertThat(t).isInstanceOf(CriException.class);
        assertThat(((CriException) t).kind()).isEqualTo(ErrorKind.RESOURCE_EXHAUSTED);
        return (CriException) t;
    }

    @Test
    void aLayerInflatingBeyondTheLimitIsRefused() throws Exception {
        byte[] bomb = new TarFixture().file("big", 0644, "a".repeat((int) (2 * MIB)))
                .build(o -> gzip(o));
        assertThat(bomb.length).isLessThan(64 << 10);
        assertThatThrownBy(() -> unpack(MIB, bomb)).satisfies(t -> assertThat(exhausted(t).getMessage())
                .contains("more than " + MIB + " bytes").contains("image.max_layer_unpacked_bytes"));
        assertThat(unpack(4 * MIB, bomb).resolve("big")).hasSize(2 * MIB);
    }

    @Test
    void anEntryWhoseMetadataExceedsAMebibyteIsRefused() throws Exception {
        byte[] layer = new TarFixture().file("f", 0644, "", Map.of("SCHILY.xattr.user.big", "x".repeat((int) (2 * MIB))))
                .build();
        assertThatThrownBy(() -> unpack(Long.MAX_VALUE, layer))
                .satisfies(t -> assertThat(exhausted(t).getMessage()).contains("tar metadata"));
    }

    @Test
    void runsOfZerosAreLeftAsHoles() throws Exception {
        String zeros = "\0".repeat((int) (4 * MIB));
        Path root = unpack(Long.MAX_VALUE, new TarFixture()
                .file("middle", 0644, "start" + zeros + "end")
                .file("trailing", 0644, zeros)
                .build());
        byte[] middle = Files.readAllBytes(root.resolve("middle"));
        assertThat(new String(middle, StandardCharsets.ISO_8859_1)).isEqualTo("start" + zeros + "end");
        assertThat(Files.size(root.resolve("trailing"))).isEqualTo(4 * MIB);
        assertThat(Files.readAllBytes(root.resolve("trailing"))).containsOnly((byte) 0);
        assertThat(allocated(root.resolve("middle"))).isLessThan(MIB);
        assertThat(allocated(root.resolve("trailing"))).isLessThan(MIB);
    }

    @Test
    void aSparseFileIsUnpackedWithItsHolesWhichCountAgainstTheLimit() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/tar")) || Files.isExecutable(Path.of("/bin/tar")),
                "GNU tar makes the sparse fixture: skipped");
        Path src = Files.createDirectories(dir.resolve("src"));
        try (FileChannel ch = FileChannel.open(src.resolve("sparse"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("x".getBytes(StandardCharsets.US_ASCII)), 32 * MIB);
            ch.write(ByteBuffer.wrap("y".getBytes(StandardCharsets.US_ASCII)), 64 * MIB - 1);
        }
        Path tar = dir.resolve("sparse.tar");
        Process p = new ProcessBuilder("tar", "--sparse", "--format=posix", "-cf", tar.toString(), "-C",
                src.toString(), "sparse").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as(out).isTrue();
        byte[] layer = Files.readAllBytes(tar);
        assertThat(layer.length).isLessThan(64 << 10);

        Path root = unpack(128 * MIB, layer);
        Path sparse = root.resolve("sparse");
        assertThat(Files.size(sparse)).isEqualTo(64 * MIB);
        try (FileChannel ch = FileChannel.open(sparse)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, 32 * MIB);
            assertThat(one.get(0)).isEqualTo((byte) 'x');
        }
        assertThat(allocated(sparse)).isLessThan(MIB);

        assertThatThrownBy(() -> unpack(16 * MIB, layer))
                .satisfies(t -> assertThat(exhausted(t).getMessage()).contains("at entry"));
    }

    private static long allocated(Path p) throws Exception {
        Process stat = new ProcessBuilder("stat", "-c", "%b %B", p.toString()).start();
        String[] out = new String(stat.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip().split(" ");
        assertThat(stat.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return Long.parseLong(out[0]) * Long.parseLong(out[1]);
    }

    private static GZIPOutputStream gzip(java.io.OutputStream o) {
        try {
            return new GZIPOutputStream(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
