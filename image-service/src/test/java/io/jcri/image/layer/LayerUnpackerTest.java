package io.jcri.image.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.luben.zstd.ZstdOutputStream;
import io.jcri.cri.CriException;
import io.jcri.image.content.Digests;
import io.jcri.oci.sys.LibC;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerUnpackerTest {
    @TempDir
    Path dir;

    private final LayerUnpacker unpacker = new LayerUnpacker(false, Long.MAX_VALUE);

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    private Path unpack(byte[] layer) throws IOException {
        Path root = Files.createDirectories(dir.resolve("layer"));
        unpacker.unpack(new ByteArrayInputStream(layer), root);
        return root;
    }

    @Test
    void aDirectoryReplacedByASymlinkTakesItsPendingTimesAlong() throws Exception {
        Path host = Files.createDirectories(dir.resolve("host/b"));
        java.nio.file.attribute.FileTime before = Files.getLastModifiedTime(host);
        byte[] tar = new TarFixture()
                .dir("a", 0755)
                .dir("a/b", 0755)
                .symlink("a", dir.resolve("host").toString())
                .build();
        Path root = unpack(tar);
        assertThat(Files.isSymbolicLink(root.resolve("a"))).isTrue();
        assertThat(Files.getLastModifiedTime(host)).as("a host directory's time, through the symlink")
                .isEqualTo(before).isNotEqualTo(java.nio.file.attribute.FileTime.from(TarFixture.MTIME));
    }

    @Test
    void unpacksFilesDirsLinksModesAndTimes() throws Exception {
        byte[] tar = new TarFixture()
                .dir("bin", 0755)
                .file("bin/busybox", 04755, "#!bb")
                .symlink("bin/sh", "/bin/busybox")
                .hardlink("bin/ls", "bin/busybox")
                .dir("tmp", 01777)
                .file("./etc/deep/conf", 0640, "x=1")
                .build();
        Path root = unpack(tar);
        assertThat(root.resolve("bin/busybox")).hasContent("#!bb");
        assertThat(Files.readSymbolicLink(root.resolve("bin/sh"))).isEqualTo(Path.of("/bin/busybox"));
        assertThat(Files.getAttribute(root.resolve("bin/ls"), "unix:nlink")).isEqualTo(2);
        assertThat((int) Files.getAttribute(root.resolve("bin/busybox"), "unix:mode") & 07777).isEqualTo(04755);
        assertThat((int) Files.getAttribute(root.resolve("tmp"), "unix:mode") & 07777).isEqualTo(01777);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("etc/deep/conf"))))
                .isEqualTo("rw-r-----");
        assertThat(Files.getLastModifiedTime(root.resolve("bin")).toInstant()).isEqualTo(TarFixture.MTIME);
        assertThat(Files.getLastModifiedTime(root.resolve("bin/sh"), LinkOption.NOFOLLOW_LINKS).toInstant())
                .isEqualTo(TarFixture.MTIME);
    }

    @Test
    void diffIdIsTheDigestOfTheUncompressedTarWhateverTheCompression() throws Exception {
        TarFixtureFactory f = () -> new TarFixture().file("a", 0644, "hello");
        byte[] plain = f.make().build();
        String expected = Digests.of(plain);
        Function<OutputStream, OutputStream> gzip = o -> wrap(() -> new GZIPOutputStream(o));
        Function<OutputStream, OutputStream> zstd = o -> wrap(() -> new ZstdOutputStream(o));
        for (byte[] layer : new byte[][] {plain, f.make().build(gzip), f.make().build(zstd)}) {
            Path root = Files.createTempDirectory(dir, "l");
            LayerUnpacker.Result r = unpacker.unpack(new ByteArrayInputStream(layer), root);
            assertThat(r.diffId()).isEqualTo(expected);
            assertThat(root.resolve("a")).hasContent("hello");
        }
    }

    @Test
    void appliesPaxXattrs() throws Exception {
        Path root = unpack(new TarFixture().file("f", 0644, "", Map.of("SCHILY.xattr.user.note", "hi")).build());
        byte[] value = new byte[16];
        long n = LibC.INSTANCE.lgetxattr(root.resolve("f").toString(), "user.note", value, value.length);
        assertThat(new String(value, 0, (int) n, StandardCharsets.UTF_8)).isEqualTo("hi");
    }

    @Test
    void whiteoutsAndOpaqueDirsBecomeOverlayMarkers() throws Exception {
        assumeTrue(root(), "whiteout devices and trusted.* xattrs need root: skipped");
        Path root = unpack(new TarFixture()
                .dir("etc", 0755)
                .file("etc/.wh.passwd", 0644, "")
                .dir("var/cache", 0755)
                .file("var/cache/.wh..wh..opq", 0644, "")
                .device("dev/null", TarConstants.LF_CHR, 1, 3)
                .device("dev/fifo", TarConstants.LF_FIFO, 0, 0)
                .build());
        assertThat(Files.getAttribute(root.resolve("etc/passwd"), "unix:rdev")).isEqualTo(0L);
        assertThat(((int) Files.getAttribute(root.resolve("etc/passwd"), "unix:mode")) & 0170000).isEqualTo(0020000);
        assertThat(root.resolve("etc/.wh.passwd")).doesNotExist();
        byte[] v = new byte[4];
        assertThat(LibC.INSTANCE.lgetxattr(root.resolve("var/cache").toString(), "trusted.overlay.opaque", v, 4))
                .isEqualTo(1);
        assertThat(v[0]).isEqualTo((byte) 'y');
        assertThat(((int) Files.getAttribute(root.resolve("dev/null"), "unix:mode")) & 0170000).isEqualTo(0020000);
        assertThat(Files.getAttribute(root.resolve("dev/null"), "unix:rdev")).isEqualTo(0x103L);
        assertThat(((int) Files.getAttribute(root.resolve("dev/fifo"), "unix:mode")) & 0170000).isEqualTo(0010000);
    }

    @Test
    void ownershipIsAppliedWhenAsked() throws Exception {
        assumeTrue(root(), "chown needs root: skipped");
        Path root = Files.createDirectories(dir.resolve("owned"));
        new LayerUnpacker(true, Long.MAX_VALUE).unpack(new ByteArrayInputStream(
                new TarFixture().file("f", 02755, "x").symlink("l", "f").build()), root);
        assertThat(Files.getAttribute(root.resolve("f"), "unix:uid")).isEqualTo(1234);
        assertThat(Files.getAttribute(root.resolve("f"), "unix:gid")).isEqualTo(5678);
        assertThat((int) Files.getAttribute(root.resolve("f"), "unix:mode") & 07777).isEqualTo(02755);
        assertThat(Files.getAttribute(root.resolve("l"), "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(1234);
    }

    @Test
    void refusesEveryEscapeRoute() throws Exception {
        Path outside = Files.writeString(dir.resolve("outside"), "keep");
        byte[][] hostile = {
                new TarFixture().file("/etc/passwd", 0644, "x").build(),
                new TarFixture().file("../outside", 0644, "x").build(),
                new TarFixture().file("a/../../outside", 0644, "x").build(),
                new TarFixture().symlink("escape", dir.toString()).file("escape/outside", 0644, "x").build(),
                new TarFixture().symlink("up", "..").file("up/outside", 0644, "x").build(),
                new TarFixture().hardlink("h", "../outside").build(),
                new TarFixture().hardlink("h", dir.resolve("outside").toString()).build(),
                new TarFixture().symlink("s", "/").hardlink("h", "s/etc/passwd").build(),
        };
        for (byte[] layer : hostile) {
            Path root = Files.createTempDirectory(dir, "hostile");
            assertThatThrownBy(() -> unpacker.unpack(new ByteArrayInputStream(layer), root))
                    .isInstanceOf(CriException.class).hasMessageContaining("refused");
        }
        assertThat(outside).hasContent("keep");
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).allMatch(n -> n.equals("outside") || n.startsWith("hostile"));
        }
    }

    @Test
    void laterEntriesReplaceEarlierOnesWithoutFollowingSymlinks() throws Exception {
        Path outside = Files.writeString(dir.resolve("target"), "keep");
        Path root = unpack(new TarFixture().symlink("f", outside.toString()).file("f", 0644, "new").build());
        assertThat(outside).hasContent("keep");
        assertThat(root.resolve("f")).hasContent("new");
        assertThat(Files.isSymbolicLink(root.resolve("f"))).isFalse();
    }

    private interface TarFixtureFactory {
        TarFixture make() throws IOException;
    }

    private interface StreamMaker {
        OutputStream make() throws IOException;
    }

    private static OutputStream wrap(StreamMaker m) {
        try {
            return m.make();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
