package io.jcri.runtime.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jcri.cri.CriException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
    record Thing(String id, int n, Map<String, String> labels, byte[] blob, List<String> ips) {
    }

    @TempDir
    Path dir;

    @Test
    void recordsSurviveReopening() {
        StateStore<Thing> store = StateStore.open(dir, Thing.class, Thing::id);
        store.put(new Thing("abc", 1, Map.of("a", "b"), new byte[] {1, 2}, List.of("10.0.0.1")));
        store.put(new Thing("abd", 2, Map.of(), new byte[0], List.of()));

        StateStore<Thing> reopened = StateStore.open(dir, Thing.class, Thing::id);
        Thing t = reopened.get("abc").orElseThrow();
        assertThat(t.n()).isEqualTo(1);
        assertThat(t.labels()).containsEntry("a", "b");
        assertThat(t.blob()).containsExactly(1, 2);
        assertThat(t.ips()).containsExactly("10.0.0.1");
        assertThat(reopened.all()).hasSize(2);
        assertThat(Files.exists(dir.resolve("abc/record.json"))).isTrue();
    }

    @Test
    void findsByUniquePrefixAndRefusesAmbiguousOnes() {
        StateStore<Thing> store = StateStore.open(dir, Thing.class, Thing::id);
        store.put(new Thing("abc", 1, Map.of(), new byte[0], List.of()));
        store.put(new Thing("abd", 2, Map.of(), new byte[0], List.of()));
        assertThat(store.find("abc")).map(Thing::n).contains(1);
        assertThat(store.find("abd1")).isEmpty();
        assertThat(store.find("")).isEmpty();
        assertThatThrownBy(() -> store.find("ab")).isInstanceOf(CriException.class)
                .hasMessageContaining("more than one");
    }

    @Test
    void deleteRemovesFileDirectoryAndIndexAndIsIdempotent() {
        StateStore<Thing> store = StateStore.open(dir, Thing.class, Thing::id);
        store.put(new Thing("abc", 1, Map.of(), new byte[0], List.of()));
        store.delete("abc");
        store.delete("abc");
        assertThat(store.get("abc")).isEmpty();
        assertThat(Files.exists(dir.resolve("abc"))).isFalse();
        assertThat(StateStore.open(dir, Thing.class, Thing::id).all()).isEmpty();
    }

    @Test
    void unreadableRecordIsSkippedAtLoad() throws Exception {
        Files.createDirectories(dir.resolve("bad"));
        Files.writeString(dir.resolve("bad/record.json"), "{not json");
        assertThat(StateStore.open(dir, Thing.class, Thing::id).all()).isEmpty();
    }

    @Test
    void idsAreSixtyFourHexCharacters() {
        assertThat(Ids.newId()).matches("[0-9a-f]{64}").isNotEqualTo(Ids.newId());
    }
}
