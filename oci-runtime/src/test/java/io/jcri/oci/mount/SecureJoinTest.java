package io.jcri.oci.mount;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecureJoinTest {
    @TempDir
    Path root;

    @Test
    void staysInsideTheRootWhateverTheLinksSay() throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(root.resolve("real"));
        Files.createSymbolicLink(root.resolve("etc/abs"), Path.of("/real"));
        Files.createSymbolicLink(root.resolve("etc/up"), Path.of("../../../../real"));
        Files.createSymbolicLink(root.resolve("etc/host"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(root.resolve("loop"), Path.of("loop"));

        assertThat(SecureJoin.resolve(root, "/etc/abs/x")).isEqualTo(root.resolve("real/x"));
        assertThat(SecureJoin.resolve(root, "etc/up")).isEqualTo(root.resolve("real"));
        assertThat(SecureJoin.resolve(root, "/etc/host")).isEqualTo(root.resolve("etc/passwd"));
        assertThat(SecureJoin.resolve(root, "/../../etc/./passwd")).isEqualTo(root.resolve("etc/passwd"));
        assertThat(SecureJoin.resolve(root, "/missing/../etc")).isEqualTo(root.resolve("etc"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SecureJoin.resolve(root, "/loop/x"))
                .hasMessageContaining("too many symbolic links");
    }
}
