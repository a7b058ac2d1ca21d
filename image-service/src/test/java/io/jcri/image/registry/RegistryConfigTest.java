package io.jcri.image.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jcri.cri.CriException;
import io.jcri.image.ImageReference;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryConfigTest {
    private static final String CONF = """
            unqualified-search-registries = ["docker.io", "quay.io"]

            [[registry]]
            prefix = "gcr.io"
            location = "127.0.0.1:5000"
            insecure = true

            [[registry]]
            prefix = "registry.k8s.io"
            location = "127.0.0.1:5000"
            insecure = true

            [[registry]]
            location = "docker.io"
              [[registry.mirror]]
              location = "127.0.0.1:5001/hub"
              insecure = true
              [[registry.mirror]]
              location = "mirror.example.com"

            [[registry]]
            prefix = "quay.io/blocked"
            location = "quay.io/blocked"
            blocked = true

            [[registry]]
            prefix = "*.corp.example"
            insecure = true
            """;

    @Test
    void parsesTheV2Format() {
        RegistryConfig c = RegistryConfig.parse(CONF);
        assertThat(c.unqualifiedSearch()).containsExactly("docker.io", "quay.io");
        assertThat(c.registries()).hasSize(5);
        assertThat(c.registries().get(2).prefix()).isEqualTo("docker.io");
        assertThat(c.registries().get(2).mirrors()).extracting(RegistryConfig.Mirror::location)
                .containsExactly("127.0.0.1:5001/hub", "mirror.example.com");
    }

    @Test
    void locationRewriteHasNoFallbackToUpstream() {
        RegistryConfig c = RegistryConfig.parse(CONF);
        assertThat(c.endpointsFor(ImageReference.parse("gcr.io/k8s-staging-cri-tools/test-image-tags:1")))
                .containsExactly(new RegistryEndpoint("127.0.0.1:5000", "k8s-staging-cri-tools/test-image-tags",
                        true, false));
        assertThat(c.endpointsFor(ImageReference.parse("registry.k8s.io/pause:3.9")))
                .containsExactly(new RegistryEndpoint("127.0.0.1:5000", "pause", true, false));
    }

    @Test
    void mirrorsComeFirstInOrderThenDockerHubsRealHost() {
        RegistryConfig c = RegistryConfig.parse(CONF);
        assertThat(c.endpointsFor(ImageReference.parse("busybox")))
                .containsExactly(new RegistryEndpoint("127.0.0.1:5001", "hub/library/busybox", true, true),
                        new RegistryEndpoint("mirror.example.com", "library/busybox", false, true),
                        new RegistryEndpoint("registry-1.docker.io", "library/busybox", false, false));
    }

    @Test
    void unmatchedNamesGoToTheirOwnRegistryOverHttps() {
        RegistryConfig c = RegistryConfig.parse(CONF);
        RegistryEndpoint ep = c.endpointsFor(ImageReference.parse("quay.io/x/y:1")).getFirst();
        assertThat(ep).isEqualTo(new RegistryEndpoint("quay.io", "x/y", false, false));
        assertThat(ep.base().toString()).isEqualTo("https://quay.io/v2/");
        assertThat(RegistryConfig.empty().endpointsFor(ImageReference.parse("busybox")).getFirst().host())
                .isEqualTo("registry-1.docker.io");
    }

    @Test
    void wildcardsAndBlockedPrefixes() {
        RegistryConfig c = RegistryConfig.parse(CONF);
        assertThat(c.endpointsFor(ImageReference.parse("reg.corp.example/a:1")))
                .containsExactly(new RegistryEndpoint("reg.corp.example", "a", true, false));
        assertThat(c.endpointsFor(ImageReference.parse("127.0.0.1:5000/a")).getFirst().base().toString())
                .isEqualTo("https://127.0.0.1:5000/v2/");
        assertThatThrownBy(() -> c.endpointsFor(ImageReference.parse("quay.io/blocked/x")))
                .isInstanceOf(CriException.class).hasMessageContaining("blocked");
        assertThat(c.endpointsFor(ImageReference.parse("quay.io/blockedx/y")).getFirst().host()).isEqualTo("quay.io");
    }

    @Test
    void missingFileMeansNoRulesAndBadTomlIsNamed(@TempDir Path dir) throws Exception {
        assertThat(RegistryConfig.load(dir.resolve("none.conf")).registries()).isEmpty();
        Path bad = Files.writeString(dir.resolve("bad.conf"), "[[registry]\nprefix=");
        assertThatThrownBy(() -> RegistryConfig.load(bad)).hasMessageContaining("bad.conf");
    }
}
