package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ExecSyncResponse;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.e2e.ImageBuilder.Compression;
import io.jcri.e2e.ImageBuilder.Format;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a local account other than root can do to a running pod through jcri's directories: nothing. The account
 * is {@code nobody}, the pod runs a container that made a set-user-ID root binary in its {@code /tmp}, and an
 * ExecSync is in flight (its process spec carries the container's environment).
 */
class LocalUserTest {
    private static final String SECRET = "jcri-e2e-secret-value";

    @BeforeEach
    void needsRoot() {
        CountedDaemon.assumeUsable();
    }

    @Test
    void nobodyCannotReadOrTraverseJcriDirectoriesNorRunAContainersSetuidFile() throws Exception {
        Path work = Files.createTempDirectory("jcri-e2e-nobody-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (CountedDaemon rig = new CountedDaemon("nobody", 99, Map.of()); CriClients c = rig.client()) {
            // The daemon's temporary directory is 0700 already; only jcri's own modes may keep nobody out.
            Files.setPosixFilePermissions(rig.jcri().dir(), PosixFilePermissions.fromString("rwxr-xr-x"));
            String image = rig.push("euid", ImageBuilder.tar().file("bin/euid", 0755, euidBinary(work))
                    .layer(Compression.GZIP, Format.OCI));
            c.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image))
                    .build());
            PodSandboxConfig pod = Pods.config("nobody").setLogDirectory(rig.jcri().dir().resolve("logs")
                    .toString()).build();
            String podId = Pods.run(c, pod);
            String id = Containers.run(c, podId, pod, Containers.config("c", image, "sleep", "1000")
                    .addEnvs(io.jcri.cri.v1.KeyValue.newBuilder().setKey("TOKEN")
                            .setValue(com.google.protobuf.ByteString.copyFromUtf8(SECRET))));
            Containers.sh(c, id, "busybox cp /bin/euid /tmp/euid && busybox chmod 4755 /tmp/euid");
            CompletableFuture<ExecSyncResponse> probe = CompletableFuture.supplyAsync(() -> Containers.exec(c, id,
                    120, "sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.1; done"));
            Path lib = rig.jcri().dir().resolve("lib");
            Path run = rig.jcri().dir().resolve("run");
            List<Path> specs = awaitExecSpecs(lib, run);
            assertThat(specs).as("the exec spec carries the environment")
                    .allSatisfy(p -> assertThat(Files.readString(p)).contains(SECRET));

            List<Path> paths = new ArrayList<>();
            for (Path root : List.of(lib, run)) {
                try (Stream<Path> s = Files.walk(root)) {
                    s.filter(p -> !p.equals(root)).forEach(paths::add);
                }
            }
            Path list = work.resolve("paths");
            Files.write(list, paths.stream().map(Path::toString).toList());
            Files.setPosixFilePermissions(list, PosixFilePermissions.fromString("rw-r--r--"));
            String reached = asNobody("while IFS= read -r p; do [ -r \"$p\" ] && echo \"readable $p\"; "
                    + "[ -d \"$p\" ] && [ -x \"$p\" ] && echo \"traversable $p\"; done < " + list + "; true");
            // containers/ is 0711 on purpose: a user-namespaced pod's root (an unprivileged host ID) traverses it
            // to its own rootfs. It cannot be listed, and each container's directory below it is closed.
            assertThat(Pods.lines(reached)).as("paths under %s and %s nobody reaches", lib, run)
                    .containsExactly("traversable " + lib.resolve("containers"));

            Path setuid = lib.resolve("containers").resolve(id).resolve("rootfs/tmp/euid");
            assertThat(Files.isRegularFile(setuid)).as("%s made in the container", setuid).isTrue();
            Pods.Result ran = Pods.exec(30, "su", "-s", "/bin/sh", "nobody", "-c", setuid.toString());
            assertThat(ran.output().strip()).as("the container's set-user-ID file run by nobody from the host")
                    .doesNotMatch("0").contains("Permission denied");

            Containers.sh(c, id, "touch /tmp/go");
            assertThat(probe.get().getExitCode()).isZero();
            assertThat(execSpecs(lib, run)).as("exec specs left once the exec ended").isEmpty();
        } finally {
            Pods.exec(10, "rm", "-rf", work.toString());
        }
    }

    /** A static program printing its effective user ID: busybox drops a set-user-ID bit on its own. */
    private static byte[] euidBinary(Path work) throws Exception {
        Path src = work.resolve("euid.c");
        Files.writeString(src, "#include <stdio.h>\n#include <unistd.h>\n"
                + "int main(void) { printf(\"%d\\n\", (int) geteuid()); return 0; }\n");
        Pods.sh("gcc -static -O2 -o " + work.resolve("euid") + " " + src);
        return Files.readAllBytes(work.resolve("euid"));
    }

    private static List<Path> awaitExecSpecs(Path lib, Path run) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        List<Path> found = execSpecs(lib, run);
        while (found.isEmpty()) {
            assertThat(System.nanoTime()).as("an exec spec on disk while ExecSync runs").isLessThan(deadline);
            Thread.sleep(50);
            found = execSpecs(lib, run);
        }
        return found;
    }

    private static List<Path> execSpecs(Path lib, Path run) throws Exception {
        List<Path> found = new ArrayList<>();
        for (Path root : List.of(lib, run)) {
            try (Stream<Path> s = Files.walk(root)) {
                s.filter(p -> p.getFileName().toString().equals("process.json")
                        && !p.toString().contains("/rootfs/")).forEach(found::add);
            } catch (java.io.UncheckedIOException gone) {
                // an exec directory removed during the walk: look again
            }
        }
        return found;
    }

    private static String asNobody(String script) throws Exception {
        Pods.Result r = Pods.exec(120, "su", "-s", "/bin/sh", "nobody", "-c", script);
        assertThat(r.exit()).as("script as nobody: %s", r.output()).isZero();
        return r.output();
    }
}
