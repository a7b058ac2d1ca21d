package io.jcri.runtime.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.jcri.cri.v1.DNSConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodFilesTest {
    @TempDir
    Path dir;

    @Test
    void everyUserOfAContainerReadsItsHostsResolvConfAndHostname() throws Exception {
        new PodFiles(dir.resolve("shm")).write(dir, "pod", "10.0.0.2", DNSConfig.newBuilder().addServers("10.0.0.1")
                .build());
        for (String f : new String[] {"hostname", "hosts", "resolv.conf"}) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(f)))).as(f)
                    .isEqualTo("rw-r--r--");
        }
        assertThat(Files.readString(dir.resolve("resolv.conf"))).contains("nameserver 10.0.0.1");
    }
}
