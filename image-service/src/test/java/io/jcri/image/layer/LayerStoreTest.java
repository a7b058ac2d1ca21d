package io.jcri.image.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jcri.image.content.Digests;
import io.jcri.image.content.VerifyingInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerStoreTest {
    @TempDir
    Path dir;

    @Test
    void chainIdsFollowTheOciDefinition() {
        String a = "sha256:" + "a".repeat(64);
        String b = "sha256:" + "b".repeat(64);
        assertThat(LayerStore.chainIds(List.of(a, b))).containsExactly(a, Digests.of(a + " " + b));
    }

    @Test
    void unpacksOnceAndRemovesCompletely() throws Exception {
        LayerStore store = new LayerStore(dir, new LayerUnpacker(false, Long.MAX_VALUE));
        byte[] tar = new TarFixture().file("hello", 0644, "world").build();
        String diffId = Digests.of(tar);
        Path diff = store.ensure(diffId, diffId, () -> new ByteArrayInputStream(tar));
        assertThat(diff.resolve("hello")).hasContent("world");
        assertThat(store.ensure(diffId, diffId, () -> {
            throw new AssertionError("must not unpack twice");
        })).isEqualTo(diff);
        assertThat(store.list()).containsExactly(diffId);
        store.remove(diffId);
        assertThat(entries()).isEmpty();
    }

    @Test
    void aRefusedOrCorruptLayerLeavesNothing() throws Exception {
        LayerStore store = new LayerStore(dir, new LayerUnpacker(false, Long.MAX_VALUE));
        byte[] hostile = new TarFixture().file("ok", 0644, "x").file("../../evil", 0644, "x").build();
        String id = Digests.of(hostile);
        assertThatThrownBy(() -> store.ensure(id, id, () -> new ByteArrayInputStream(hostile)))
                .hasMessageContaining("refused");
        byte[] tar = new TarFixture().file("ok", 0644, "x").build();
        String wrong = "sha256:" + "0".repeat(64);
        assertThatThrownBy(() -> store.ensure(wrong, wrong, () -> new ByteArrayInputStream(tar)))
                .hasMessageContaining("corrupt");
        assertThat(entries()).isEmpty();
    }

    @Test
    void aBlobThatFailsVerificationLeavesNothingAndABrokenStreamIsRetried() throws Exception {
        LayerStore store = new LayerStore(dir, new LayerUnpacker(false, Long.MAX_VALUE));
        byte[] tar = new TarFixture().file("f", 0644, "x").build();
        String diffId = Digests.of(tar);
        String wrongBlobDigest = Digests.of("something else");
        assertThatThrownBy(() -> store.ensure(diffId, diffId, () -> new VerifyingInputStream(
                new ByteArrayInputStream(tar), wrongBlobDigest, tar.length, n -> { })))
                .hasMessageContaining("corrupt or tampered");
        assertThat(entries()).isEmpty();

        AtomicInteger opens = new AtomicInteger();
        store.ensure(diffId, diffId, () -> opens.incrementAndGet() == 1
                ? new SequenceInputStream(new ByteArrayInputStream(tar, 0, 700), failing())
                : new VerifyingInputStream(new ByteArrayInputStream(tar), Digests.of(tar), tar.length, n -> { }));
        assertThat(opens.get()).isEqualTo(2);
        assertThat(store.diffDir(diffId).resolve("f")).hasContent("x");
    }

    private static InputStream failing() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("connection reset");
            }
        };
    }

    @Test
    void layersUnderAMountedOverlayCountAsInUse() throws Exception {
        LayerStore store = new LayerStore(dir, new LayerUnpacker(false, Long.MAX_VALUE));
        String a = "a".repeat(64);
        String b = "b".repeat(64);
        String mountinfo = """
                22 1 253:1 / / rw,relatime shared:1 - ext4 /dev/vda rw
                99 22 0:50 / /run/x/rootfs rw,relatime - overlay overlay rw,lowerdir=%1$s/%2$s/diff:%1$s/%3$s/diff,\
                upperdir=/c/upper,workdir=/c/work
                100 22 0:51 / /elsewhere rw - overlay overlay rw,lowerdir=/other/%2$s/diff,upperdir=/u,workdir=/w
                """.formatted(dir, a, b);
        assertThat(store.mountedIn(mountinfo)).containsExactlyInAnyOrder("sha256:" + a, "sha256:" + b);
    }

    private List<Path> entries() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
