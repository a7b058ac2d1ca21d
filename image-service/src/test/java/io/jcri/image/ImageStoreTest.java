package io.jcri.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageStoreTest {
    private static final String A = "sha256:" + "a".repeat(64);
    private static final String B = "sha256:" + "b".repeat(64);

    @TempDir
    Path dir;

    private static ImageRecord pulled(String id, String digestRef) {
        return new ImageRecord(id, List.of(), List.of(digestRef), 10,
                new ImageConfig(null, List.of("sh"), null, null, "1000:1000", null, null, null, null),
                List.of(id), List.of(id), false, Map.of("k", "v"));
    }

    @Test
    void mergesTagsMovesATagBetweenImagesAndReloadsFromDisk() throws Exception {
        ImageStore store = new ImageStore(dir);
        store.add(pulled(A, "x.io/app@sha256:1"), "x.io/app:1");
        store.add(pulled(A, "x.io/app@sha256:1"), "x.io/app:latest");
        assertThat(store.byId(A).orElseThrow().repoTags()).containsExactly("x.io/app:1", "x.io/app:latest");

        store.add(pulled(B, "x.io/app@sha256:2"), "x.io/app:latest");
        assertThat(store.byTag("x.io/app:latest").orElseThrow().id()).isEqualTo(B);
        assertThat(store.byId(A).orElseThrow().repoTags()).containsExactly("x.io/app:1");

        ImageStore reloaded = new ImageStore(dir);
        assertThat(reloaded.all()).hasSize(2);
        assertThat(reloaded.byRepoDigest("x.io/app@sha256:1").orElseThrow().config().uid()).isEqualTo(1000L);
        assertThat(reloaded.byIdPrefix("bbb").orElseThrow().id()).isEqualTo(B);
        assertThat(reloaded.byTag("x.io/app:latest").orElseThrow().annotations()).containsEntry("k", "v");

        reloaded.remove(reloaded.byId(A).orElseThrow());
        assertThat(new ImageStore(dir).all()).extracting(ImageRecord::id).containsExactly(B);
        assertThat(reloaded.byTag("x.io/app:1")).isEmpty();
    }

    @Test
    void aTagLeftOnTwoRecordsByACrashStaysWithTheNewerOne() throws Exception {
        ImageStore store = new ImageStore(dir);
        store.add(pulled(A, "x.io/app@sha256:1"), "x.io/app:latest");
        Path older = dir.resolve("a".repeat(64) + ".json");
        String stale = Files.readString(older);
        store.add(pulled(B, "x.io/app@sha256:2"), "x.io/app:latest");
        Files.writeString(older, stale);
        Files.setLastModifiedTime(older, FileTime.fromMillis(0));
        ImageStore reloaded = new ImageStore(dir);
        assertThat(reloaded.byTag("x.io/app:latest").orElseThrow().id()).isEqualTo(B);
        assertThat(reloaded.byId(A).orElseThrow().repoTags()).isEmpty();
        assertThat(new ImageStore(dir).byId(A).orElseThrow().repoTags()).isEmpty();
    }

    @Test
    void anUnreadableRecordIsSkipped() throws Exception {
        new ImageStore(dir).add(pulled(A, "x.io/app@sha256:1"), "x.io/app:1");
        Files.writeString(dir.resolve("b".repeat(64) + ".json"), "{not json");
        assertThat(new ImageStore(dir).all()).extracting(ImageRecord::id).containsExactly(A);
    }

    @Test
    void userSplitsIntoUidOrName() {
        assertThat(new ImageConfig(null, null, null, null, "0", null, null, null, null).uid()).isZero();
        ImageConfig named = new ImageConfig(null, null, null, null, "nobody:nogroup", null, null, null, null);
        assertThat(named.uid()).isNull();
        assertThat(named.username()).isEqualTo("nobody");
        assertThat(new ImageConfig(null, null, null, null, null, null, null, null, null).username()).isEmpty();
    }
}
