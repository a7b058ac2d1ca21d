package io.jcri.image.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ManifestTest {
    private static final String A = "sha256:" + "a".repeat(64);
    private static final String B = "sha256:" + "b".repeat(64);

    @Test
    void picksLinuxAmd64FromAnIndex() {
        String index = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
                 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":1,
                  "platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
                 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":2,
                  "platform":{"os":"linux","architecture":"amd64"}}]}""".formatted(A, B);
        Manifest m = Manifest.parse("sha256:x", "", index.getBytes(StandardCharsets.UTF_8));
        assertThat(m.isIndex()).isTrue();
        assertThat(m.pickPlatform(Platform.parse("linux/amd64")).digest()).isEqualTo(B);
        assertThat(m.pickPlatform(Platform.parse("linux/arm64")).digest()).as("arm64 is arm64/v8").isEqualTo(A);
        assertThatThrownBy(() -> m.pickPlatform(Platform.parse("linux/s390x")))
                .hasMessageContaining("platform linux/s390x").hasMessageContaining("linux/arm64/v8");
    }

    @Test
    void readsADockerSchema2ManifestTypedByHeader() {
        String manifest = """
                {"schemaVersion":2,"config":{"mediaType":"application/vnd.docker.container.image.v1+json",
                 "digest":"%s","size":10},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip",
                 "digest":"%s","size":20}]}""".formatted(A, B);
        Manifest m = Manifest.parse("sha256:x", Manifest.DOCKER_MANIFEST, manifest.getBytes(StandardCharsets.UTF_8));
        assertThat(m.isIndex()).isFalse();
        assertThat(m.mediaType()).isEqualTo(Manifest.DOCKER_MANIFEST);
        assertThat(m.config().digest()).isEqualTo(A);
        assertThat(m.layers()).extracting(Descriptor::size).containsExactly(20L);
    }

    @Test
    void refusesSchema1AndBadDigests() {
        assertThatThrownBy(() -> Manifest.parse("sha256:x", "application/vnd.docker.distribution.manifest.v1+prettyjws",
                "{\"schemaVersion\":1,\"fsLayers\":[]}".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("schema 1");
        assertThatThrownBy(() -> Manifest.parse("sha256:x", "", """
                {"schemaVersion":2,"config":{"digest":"sha256:../../x","size":1},"layers":[]}"""
                .getBytes(StandardCharsets.UTF_8))).hasMessageContaining("not sha256");
    }

    @Test
    void parsesWwwAuthenticate() {
        WwwAuthenticate w = WwwAuthenticate.parse(
                "Bearer realm=\"https://auth.example/token\",service=\"registry.example\",scope=\"repository:a/b:pull\"");
        assertThat(w.isBearer()).isTrue();
        assertThat(w.params()).containsEntry("realm", "https://auth.example/token")
                .containsEntry("service", "registry.example").containsEntry("scope", "repository:a/b:pull");
        assertThat(WwwAuthenticate.parse("Basic realm=\"Registry Realm\"").isBasic()).isTrue();
    }
}
