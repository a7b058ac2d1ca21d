package io.jcri.image.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jcri.image.content.Digests;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
        LayerStore store = new LayerStore(dir, new LayerUnpacker(false));
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
        LayerStore store = new LayerStore(dir, new LayerUnpacker(false));
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

    private List<Path> entries() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
