package io.jcri.image.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemTrustTest {
    @Test
    void loadsTheHostBundle() throws Exception {
        assumeTrue(Files.isReadable(SystemTrust.DEBIAN_BUNDLE), "no CA bundle on this host: skipped");
        assertThat(SystemTrust.context(SystemTrust.DEBIAN_BUNDLE).getProtocol()).isEqualTo("TLS");
    }

    @Test
    void fallsBackToTheJdkWithoutABundleAndRefusesAGarbledOne(@TempDir Path dir) throws Exception {
        assertThat(SystemTrust.context(dir.resolve("none.crt"))).isSameAs(SSLContext.getDefault());
        Path bad = Files.writeString(dir.resolve("bad.crt"), "-----BEGIN CERTIFICATE-----\nnot base64!\n"
                + "-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> SystemTrust.context(bad)).hasMessageContaining("bad.crt");
    }
}
