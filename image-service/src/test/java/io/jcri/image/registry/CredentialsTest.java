package io.jcri.image.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialsTest {
    private static final RegistryEndpoint UPSTREAM = new RegistryEndpoint("registry.example", "app", false, false);
    private static final RegistryEndpoint MIRROR = new RegistryEndpoint("mirror.example", "app", false, true);
    private static final RegistryEndpoint HUB = new RegistryEndpoint("registry-1.docker.io", "library/x", false, false);
    private static final RegistryAuth REQUEST = new RegistryAuth("kubelet", "secret", null, null);

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void requestCredentialsGoToTheRegistryAndToAMirrorOnlyWhenNamed() {
        Credentials c = Credentials.none();
        assertThat(c.forEndpoint(UPSTREAM, REQUEST, "")).isEqualTo(REQUEST);
        assertThat(c.forEndpoint(MIRROR, REQUEST, "")).isEqualTo(RegistryAuth.NONE);
        assertThat(c.forEndpoint(MIRROR, REQUEST, "https://mirror.example")).isEqualTo(REQUEST);
    }

    @Test
    void theFileAnswersByHostWhenTheRequestHasNone(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("auth.json"), """
                {"auths": {
                  "mirror.example": {"auth": "%s"},
                  "https://index.docker.io/v1/": {"auth": "%s"},
                  "tokens.example": {"identitytoken": "refresh"}}}""".formatted(b64("m:pw"), b64("hub:pw")));
        Credentials c = Credentials.load(file);
        assertThat(c.forEndpoint(MIRROR, RegistryAuth.NONE, "")).isEqualTo(new RegistryAuth("m", "pw", null, null));
        assertThat(c.forEndpoint(HUB, RegistryAuth.NONE, "").username()).isEqualTo("hub");
        assertThat(c.forEndpoint(UPSTREAM, RegistryAuth.NONE, "")).isEqualTo(RegistryAuth.NONE);
        assertThat(c.forEndpoint(new RegistryEndpoint("tokens.example", "a", false, false), RegistryAuth.NONE, "")
                .identityToken()).isEqualTo("refresh");
        assertThat(c.forEndpoint(MIRROR, REQUEST, "")).as("request credentials never go to an unnamed mirror")
                .isEqualTo(new RegistryAuth("m", "pw", null, null));
        assertThat(Credentials.load(dir.resolve("missing.json")).forEndpoint(HUB, RegistryAuth.NONE, ""))
                .isEqualTo(RegistryAuth.NONE);
        assertThat(REQUEST.toString()).doesNotContain("secret").doesNotContain("kubelet");
    }
}
