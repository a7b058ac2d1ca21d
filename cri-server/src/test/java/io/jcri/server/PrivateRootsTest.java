package io.jcri.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateRootsTest {
    @TempDir
    Path tmp;

    @Test
    void rootsAreSearchOnlyAndWhatLiesUnderThemIsClosed() throws Exception {
        Path state = tmp.resolve("lib");
        Path run = tmp.resolve("run");
        Path container = Files.createDirectories(state.resolve("containers/abc/rootfs"));
        Path userns = Files.createDirectories(state.resolve("containers/def"));
        Files.setPosixFilePermissions(userns, PosixFilePermissions.fromString("rwxr-x--x"));
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            Files.setAttribute(userns, "unix:gid", 200000);
        }
        Path layers = Files.createDirectories(state.resolve("layers"));
        Path lock = Files.createFile(state.resolve("jcri.lock"));
        Path shm = Files.createDirectories(run.resolve("shm"));
        for (Path p : new Path[] {state, run, state.resolve("containers"), container.getParent(), layers, shm}) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.setPosixFilePermissions(lock, PosixFilePermissions.fromString("rw-r--r--"));

        PrivateRoots.closeModes(state, run);

        assertThat(mode(state)).isEqualTo("rwx--x--x");
        assertThat(mode(run)).isEqualTo("rwx--x--x");
        assertThat(mode(state.resolve("containers"))).isEqualTo("rwx--x--x");
        assertThat(mode(container.getParent())).isEqualTo("rwx------");
        if (root) {
            assertThat(mode(userns)).as("a user-namespaced pod's container keeps group search")
                    .isEqualTo("rwx--x---");
        }
        assertThat(mode(layers)).isEqualTo("rwx------");
        assertThat(mode(lock)).isEqualTo("rw-------");
        assertThat(mode(shm)).isEqualTo("rwx------");
    }

    @Test
    void missingRootsAreCreated() throws Exception {
        PrivateRoots.closeModes(tmp.resolve("a/lib"), tmp.resolve("b/run"));

        assertThat(mode(tmp.resolve("a/lib"))).isEqualTo("rwx--x--x");
        assertThat(mode(tmp.resolve("b/run"))).isEqualTo("rwx--x--x");
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
