package io.jcri.runtime.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jcri.cri.CriException;
import io.jcri.runtime.container.ContainerRecord;
import io.jcri.runtime.sandbox.SandboxRecord;
import io.jcri.runtime.sandbox.SandboxState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
    /** What a thing is made with, and where it is. */
    record Meta(String id, Map<String, String> labels, byte[] blob) {
    }

    record Status(int n, List<String> ips) {
    }

    record Thing(Meta meta, Status status) {
        static final StateStore.Shape<Thing, Meta, Status> SHAPE = new StateStore.Shape<>(Meta.class, Status.class,
                Meta::id, Thing::meta, Thing::status, Thing::new);

        Thing(String id, int n) {
            this(new Meta(id, Map.of("a", "b"), new byte[] {1, 2}), new Status(n, List.of("10.0.0.1")));
        }

        Thing withN(int next) {
            return new Thing(meta, new Status(next, status.ips()));
        }
    }

    @TempDir
    Path dir;

    private StateStore<Thing> open() {
        return StateStore.open(dir, Thing.SHAPE);
    }

    @Test
    void recordsSurviveReopening() {
        StateStore<Thing> store = open();
        store.create(new Thing("abc", 1));
        store.create(new Thing("abd", 2));

        StateStore<Thing> reopened = open();
        Thing t = reopened.get("abc").orElseThrow();
        assertThat(t.status().n()).isEqualTo(1);
        assertThat(t.meta().labels()).containsEntry("a", "b");
        assertThat(t.meta().blob()).containsExactly(1, 2);
        assertThat(t.status().ips()).containsExactly("10.0.0.1");
        assertThat(reopened.all()).hasSize(2);
        assertThat(dir.resolve("abc")).isDirectoryContaining("glob:**/meta.json")
                .isDirectoryContaining("glob:**/status.json");
    }

    @Test
    void theMetadataIsWrittenOnceAndAChangeRewritesOnlyTheStatus() throws Exception {
        StateStore<Thing> store = open();
        Thing t = new Thing("abc", 1);
        store.create(t);
        Object metaFile = inode(dir.resolve("abc/meta.json"));
        Object statusFile = inode(dir.resolve("abc/status.json"));

        store.update(t.withN(2));

        assertThat(inode(dir.resolve("abc/meta.json"))).as("meta.json untouched").isEqualTo(metaFile);
        assertThat(inode(dir.resolve("abc/status.json"))).as("status.json replaced").isNotEqualTo(statusFile);
        assertThat(open().get("abc").orElseThrow().status().n()).isEqualTo(2);
        assertThat(dir.resolve("abc")).isDirectoryNotContaining("glob:**/*.tmp");
    }

    @Test
    void anUpdateKeepsTheMetadataAndACreateHappensOnce() {
        StateStore<Thing> store = open();
        store.create(new Thing("abc", 1));
        assertThatThrownBy(() -> store.update(new Thing("abc", 2))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("written once");
        assertThatThrownBy(() -> store.create(new Thing("abc", 2))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.update(new Thing("nosuch", 2))).isInstanceOf(IllegalStateException.class);
        assertThat(store.get("abc").orElseThrow().status().n()).isEqualTo(1);
    }

    @Test
    void aTornWriteIsIgnoredAndRemoved() throws Exception {
        StateStore<Thing> store = open();
        store.create(new Thing("abc", 1));
        // A daemon killed while writing the next status leaves its temporary file, half written.
        Path torn = dir.resolve("abc/.status.json.8141590771.tmp");
        Files.writeString(torn, "{\"n\" : 2, \"ip");

        Thing t = open().get("abc").orElseThrow();

        assertThat(t.status().n()).isEqualTo(1);
        assertThat(torn).doesNotExist();
    }

    @Test
    void aDirectoryWithoutAStatusIsAnOrphan() throws Exception {
        StateStore<Thing> store = open();
        store.create(new Thing("abc", 1));
        // killed between the metadata and the first status, or before either
        Files.createDirectories(dir.resolve("half"));
        Files.writeString(dir.resolve("half/meta.json"), "{\"id\" : \"half\"}");
        Files.createDirectories(dir.resolve("bare"));

        StateStore<Thing> reopened = open();

        assertThat(reopened.all()).extracting(Thing::meta).extracting(Meta::id).containsExactly("abc");
        assertThat(reopened.orphans()).containsExactlyInAnyOrder("half", "bare");
    }

    @Test
    void aContainerRecordOfTheOldSingleFileFormatIsReadOnceAndWrittenAsTwoFiles() throws Exception {
        String id = "c0ffee0000000000000000000000000000000000000000000000000000000001";
        Path old = oldRecord("container-record.json", id);

        ContainerRecord r = StateStore.open(dir, ContainerRecord.SHAPE).get(id).orElseThrow();

        assertThat(r.sandboxId()).startsWith("5a4db0c");
        assertThat(r.state()).isEqualTo(ContainerRecord.State.RUNNING);
        assertThat(r.meta().name()).isEqualTo("web");
        assertThat(r.meta().attempt()).isEqualTo(2);
        assertThat(r.meta().createdAt()).isEqualTo(1764756000000000000L);
        assertThat(r.meta().imageRef()).startsWith("docker.io/library/nginx@sha256:");
        assertThat(r.meta().labels()).containsEntry("io.kubernetes.container.name", "web");
        assertThat(r.meta().supplementalGroups()).containsExactly(101L, 2000L);
        assertThat(r.config().getMetadata().getName()).isEqualTo("web");
        assertThat(r.status().startedAt()).isEqualTo(1764756001000000000L);
        assertThat(r.status().pid()).isEqualTo(4242);
        assertThat(r.resources().getCpuShares()).isEqualTo(512);
        assertThat(old).doesNotExist();
        assertThat(old.getParent()).isDirectoryContaining("glob:**/meta.json")
                .isDirectoryContaining("glob:**/status.json");
        ContainerRecord again = StateStore.open(dir, ContainerRecord.SHAPE).get(id).orElseThrow();
        assertThat(again.meta().imageId()).isEqualTo(r.meta().imageId());
        assertThat(again.status()).usingRecursiveComparison().isEqualTo(r.status());
    }

    @Test
    void aSandboxRecordOfTheOldSingleFileFormatIsReadOnceAndWrittenAsTwoFiles() throws Exception {
        String id = "5a4db0c000000000000000000000000000000000000000000000000000000001";
        Path old = oldRecord("sandbox-record.json", id);

        SandboxRecord r = StateStore.open(dir, SandboxRecord.SHAPE).get(id).orElseThrow();

        assertThat(r.state()).isEqualTo(SandboxState.READY);
        assertThat(r.meta().namespace()).isEqualTo("ns");
        assertThat(r.meta().ipcnsPath()).isNull();
        assertThat(r.hostNetwork()).isFalse();
        assertThat(r.meta().cgroupParent()).endsWith(id);
        assertThat(r.config().getMetadata().getName()).isEqualTo("web");
        assertThat(r.status().ip()).isEqualTo("10.88.0.7");
        assertThat(r.status().additionalIps()).containsExactly("fd00::7");
        assertThat(r.status().infraPid()).isEqualTo(777);
        assertThat(r.status().pidnsPath()).isEqualTo("/proc/777/ns/pid");
        assertThat(old).doesNotExist();
        SandboxRecord again = StateStore.open(dir, SandboxRecord.SHAPE).get(id).orElseThrow();
        assertThat(again.status()).isEqualTo(r.status());
        assertThat(again.meta().hostsPath()).isEqualTo(r.meta().hostsPath());
    }

    @Test
    void findsByUniquePrefixAndRefusesAmbiguousOnes() {
        StateStore<Thing> store = open();
        store.create(new Thing("abc", 1));
        store.create(new Thing("abd", 2));
        assertThat(store.find("abc")).map(t -> t.status().n()).contains(1);
        assertThat(store.find("abd1")).isEmpty();
        assertThat(store.find("")).isEmpty();
        assertThatThrownBy(() -> store.find("ab")).isInstanceOf(CriException.class)
                .hasMessageContaining("more than one");
    }

    @Test
    void deleteRemovesFilesDirectoryAndIndexAndIsIdempotent() {
        StateStore<Thing> store = open();
        store.create(new Thing("abc", 1));
        store.delete("abc");
        store.delete("abc");
        assertThat(store.get("abc")).isEmpty();
        assertThat(dir.resolve("abc")).doesNotExist();
        assertThat(open().all()).isEmpty();
    }

    @Test
    void unreadableRecordsAreSkippedAtLoadAndLeftInPlace() throws Exception {
        Files.createDirectories(dir.resolve("bad"));
        Files.writeString(dir.resolve("bad/meta.json"), "{not json");
        Files.writeString(dir.resolve("bad/status.json"), "{}");
        Files.createDirectories(dir.resolve("old"));
        Files.writeString(dir.resolve("old/record.json"), "{not json");

        StateStore<Thing> store = open();

        assertThat(store.all()).isEmpty();
        assertThat(store.orphans()).as("not orphans: a person may look at them").isEmpty();
        assertThat(dir.resolve("old/record.json")).exists();
    }

    @Test
    void idsAreSixtyFourHexCharacters() {
        assertThat(Ids.newId()).matches("[0-9a-f]{64}").isNotEqualTo(Ids.newId());
    }

    /** The test resource {@code state/<name>}, as jcri before the split wrote it, put where it keeps {@code id}. */
    private Path oldRecord(String name, String id) throws IOException {
        Path file = Files.createDirectories(dir.resolve(id)).resolve("record.json");
        try (InputStream in = StateStoreTest.class.getResourceAsStream("/state/" + name)) {
            Files.copy(in, file);
        }
        return file;
    }

    private static Object inode(Path p) throws IOException {
        return Files.getAttribute(p, "unix:ino");
    }
}
