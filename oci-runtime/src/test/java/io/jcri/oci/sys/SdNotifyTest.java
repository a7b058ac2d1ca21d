package io.jcri.oci.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SdNotifyTest {
    private static final LibC C = LibC.INSTANCE;

    @TempDir
    Path dir;

    @Test
    void sendsTheStateAsOneDatagramToThePathInNotifySocket() {
        byte[] path = dir.resolve("notify").toString().getBytes(StandardCharsets.UTF_8);
        int fd = C.socket(1, 2, 0);
        assertThat(fd).isNotNegative();
        try {
            assertThat(C.bind(fd, Syscalls.sockaddrUn(path), 2 + path.length + 1)).isZero();
            assertThat(SdNotify.send(new String(path, StandardCharsets.UTF_8), "READY=1")).isTrue();
            byte[] buf = new byte[64];
            long n = C.recv(fd, buf, buf.length, 0);
            assertThat(new String(buf, 0, (int) n, StandardCharsets.UTF_8)).isEqualTo("READY=1");
        } finally {
            C.close(fd);
        }
    }

    @Test
    void withoutNotifySocketNothingIsSent() {
        assertThat(SdNotify.send(null, "READY=1")).isFalse();
        assertThat(SdNotify.send("", "READY=1")).isFalse();
    }
}
