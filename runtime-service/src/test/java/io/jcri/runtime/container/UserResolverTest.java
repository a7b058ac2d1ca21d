package io.jcri.runtime.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Users and groups looked up in an image's /etc files, which the image (not jcri) controls. */
class UserResolverTest {
    @TempDir
    Path rootfs;

    @Test
    void resolvesANamedUserFromTheImage() throws Exception {
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\nweb:x:33:44::/:/bin/sh\n");
        Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\nweb:x:44:\nextra:x:55:web\n");
        UserResolver.ResolvedUser u = UserResolver.of(rootfs).resolve("web", null, null, "", List.of(), false);
        assertThat(u.uid()).isEqualTo(33);
        assertThat(u.gid()).isEqualTo(44);
    }

    @Test
    void aHugePasswdFileIsRefusedWithoutReadingItWhole() throws Exception {
        Files.createDirectories(rootfs.resolve("etc"));
        // Sparse: 1 GiB that costs no disk; reading it whole would exhaust the daemon's heap.
        try (RandomAccessFile f = new RandomAccessFile(rootfs.resolve("etc/passwd").toFile(), "rw")) {
            f.setLength(1L << 30);
        }
        assertThatThrownBy(() -> UserResolver.of(rootfs))
                .isInstanceOfSatisfying(CriException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining("/etc/passwd").hasMessageContaining("larger than");
    }
}
