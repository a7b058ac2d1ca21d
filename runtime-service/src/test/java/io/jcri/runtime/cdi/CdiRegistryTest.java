package io.jcri.runtime.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CdiRegistryTest {
    @TempDir
    Path dir;

    private static String spec(String kind, String device, String env) {
        return """
                {"cdiVersion": "0.6.0", "kind": "%s",
                 "devices": [{"name": "%s", "containerEdits": {"env": ["%s"],
                   "deviceNodes": [{"path": "/dev/x", "type": "c", "major": 1, "minor": 3}]}}],
                 "containerEdits": {"env": ["SPEC=%s"]}}""".formatted(kind, device, env, kind);
    }

    private static void write(Path file, String text, long seconds) throws Exception {
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.from(Instant.ofEpochSecond(seconds)));
    }

    @Test
    void resolvesSpecEditsThenDeviceEditsAndPrefersTheLaterDirectory() throws Exception {
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Path run = Files.createDirectories(dir.resolve("run"));
        write(etc.resolve("a.json"), spec("example.com/gpu", "g0", "FROM=etc"), 1);
        write(run.resolve("b.yaml"), spec("example.com/gpu", "g0", "FROM=run"), 1);
        CdiRegistry r = new CdiRegistry(List.of(etc, run));
        ContainerEdits e = r.resolve(List.of("example.com/gpu=g0", "example.com/gpu=g0"));
        assertThat(e.env()).containsExactly("SPEC=example.com/gpu", "FROM=run");
        assertThat(e.deviceNodes()).hasSize(1);
        assertThat(r.resolve(List.of())).isEqualTo(ContainerEdits.NONE);
    }

    @Test
    void unknownAmbiguousAndMalformedNamesAreRefusedNamingThem() throws Exception {
        write(dir.resolve("a.json"), spec("example.com/gpu", "g0", "A=1"), 1);
        write(dir.resolve("b.json"), spec("example.com/gpu", "g0", "B=1"), 1);
        write(dir.resolve("bad.json"), "{\"cdiVersion\": \"9.9\", \"kind\": \"nope\", \"devices\": []}", 1);
        CdiRegistry r = new CdiRegistry(List.of(dir));
        assertThatThrownBy(() -> r.resolve(List.of("example.com/gpu=g0")))
                .isInstanceOfSatisfying(CriException.class, e -> assertThat(e.kind())
                        .isEqualTo(ErrorKind.INVALID_ARGUMENT)).hasMessageContaining("example.com/gpu=g0")
                .hasMessageContaining("ambiguous");
        assertThatThrownBy(() -> r.resolve(List.of("example.com/gpu=g1")))
                .isInstanceOfSatisfying(CriException.class, e -> assertThat(e.kind())
                        .isEqualTo(ErrorKind.NOT_FOUND)).hasMessageContaining("example.com/gpu=g1")
                .hasMessageContaining("bad.json").hasMessageContaining("cdiVersion '9.9'")
                .hasMessageContaining("kind 'nope'").hasMessageContaining("no devices");
        assertThatThrownBy(() -> r.resolve(List.of("gpu0")))
                .isInstanceOfSatisfying(CriException.class, e -> assertThat(e.kind())
                        .isEqualTo(ErrorKind.INVALID_ARGUMENT)).hasMessageContaining("'gpu0'");
    }

    @Test
    void filesAreReadAgainWhenTheyChangeAppearOrGo() throws Exception {
        Path a = dir.resolve("a.json");
        CdiRegistry r = new CdiRegistry(List.of(dir, dir.resolve("missing")));
        assertThatThrownBy(() -> r.resolve(List.of("example.com/nic=n0"))).isInstanceOf(CriException.class);
        write(a, spec("example.com/nic", "n0", "V=1"), 1);
        assertThat(r.resolve(List.of("example.com/nic=n0")).env()).contains("V=1");
        write(a, spec("example.com/nic", "n0", "V=2"), 2);
        assertThat(r.resolve(List.of("example.com/nic=n0")).env()).contains("V=2");
        Files.delete(a);
        assertThatThrownBy(() -> r.resolve(List.of("example.com/nic=n0"))).isInstanceOf(CriException.class);
    }

    @Test
    void specsAreValidatedAsTheCdiSpecificationSays() {
        assertThatThrownBy(() -> CdiSpec.parse("""
                {"cdiVersion": "1.1.0", "kind": "example.com/x", "devices": [
                  {"name": "-bad", "containerEdits": {"env": ["NOEQUALS"]}},
                  {"name": "empty"},
                  {"name": "h", "containerEdits": {"hooks": [{"hookName": "sometime", "path": ""}],
                   "deviceNodes": [{"path": "rel", "permissions": "rwx"}]}}]}""".getBytes()))
                .hasMessageContaining("device name '-bad'").hasMessageContaining("'NOEQUALS'")
                .hasMessageContaining("device empty has no container edits")
                .hasMessageContaining("invalid hook name 'sometime'").hasMessageContaining("'rel' is not absolute")
                .hasMessageContaining("invalid permissions 'rwx'");
        assertThatThrownBy(() -> CdiSpec.parse("{\"cdiVersion\": \"0.6.0\", \"kind\": \"a/b\", \"surprise\": 1}"
                .getBytes())).hasMessageContaining("surprise");
    }
}
