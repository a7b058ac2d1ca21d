package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.ExecRequest;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.ListImagesRequest;
import io.jcri.cri.v1.Mount;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.e2e.ImageBuilder.Compression;
import io.jcri.e2e.ImageBuilder.Format;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a stranger's image or a careless pod spec can do to the node through jcri: nothing. The socket is not
 * world-accessible, the streaming server listens on loopback only, symlinks inside an image cannot aim a volume
 * mount or a working directory at the host, log paths stay in the pod's log directory, and a disk that fills up
 * during a pull fails the pull cleanly.
 */
class HardeningTest {
    @BeforeEach
    void needsRoot() {
        CountedDaemon.assumeUsable();
    }

    @Test
    void socketIsOwnerAndGroupOnlyAndStreamingListensOnLoopback() throws Exception {
        try (CountedDaemon rig = new CountedDaemon("hsock", 88, Map.of()); CriClients c = rig.client()) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(rig.jcri().socket())))
                    .isEqualTo("rw-rw----");
            rig.pull(c);
            PodSandboxConfig pod = pod(rig, "stream");
            String podId = Pods.run(c, pod);
            String id = Containers.run(c, podId, pod, Containers.config("c", CountedDaemon.IMAGE, "sleep", "1000"));
            URI url = URI.create(c.runtime().exec(ExecRequest.newBuilder().setContainerId(id).addCmd("true")
                    .setStdout(true).build()).getUrl());
            assertThat(url.getHost()).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void symlinksInTheImageCannotAimMountsOrWorkingDirsAtTheHost() throws Exception {
        Path host = Files.createTempDirectory("jcri-e2e-target-");
        Path volume = Files.createTempDirectory("jcri-e2e-volume-");
        try (CountedDaemon rig = new CountedDaemon("hlink", 89, Map.of()); CriClients c = rig.client()) {
            String image = rig.push("symlinks", ImageBuilder.tar().symlink("abs", host.toString())
                    .symlink("rel", "../../../../../../.." + host).dir("data", 0755)
                    .symlink("data/up", "../../../../../../../..").layer(Compression.GZIP, Format.OCI));
            c.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image))
                    .build());
            PodSandboxConfig pod = pod(rig, "links");
            String podId = Pods.run(c, pod);
            int n = 0;
            for (String target : List.of("/abs/x", "/rel/x", "/data/up" + host + "/x")) {
                ContainerConfig.Builder mounted = Containers.config("m" + n++, image, "sleep", "1000")
                        .addMounts(Mount.newBuilder().setContainerPath(target).setHostPath(volume.toString()));
                tryRun(c, podId, pod, mounted);
            }
            for (String dir : List.of("/abs", "/rel", "/data/up" + host)) {
                ContainerConfig.Builder working = Containers.config("w" + n++, image, "sh", "-c",
                        "echo escaped > marker; sleep 1000").setWorkingDir(dir);
                tryRun(c, podId, pod, working);
            }
            Thread.sleep(500);
            try (Stream<Path> s = Files.list(host)) {
                assertThat(s.toList()).as("files written through image symlinks into %s", host).isEmpty();
            }
            assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).as("mounts landing on the host")
                    .doesNotContain(" " + host);
        } finally {
            Pods.exec(10, "umount", "-l", host.resolve("x").toString());
            Pods.exec(10, "rm", "-rf", host.toString(), volume.toString());
        }
    }

    @Test
    void logPathsLeavingThePodLogDirectoryAreInvalid() throws Exception {
        try (CountedDaemon rig = new CountedDaemon("hlog", 90, Map.of()); CriClients c = rig.client()) {
            rig.pull(c);
            PodSandboxConfig pod = pod(rig, "logs");
            String podId = Pods.run(c, pod);
            for (String log : List.of("../escape.log", "a/../../escape.log", "../../../../../../../tmp/escape.log")) {
                assertThatThrownBy(() -> Containers.create(c, podId, pod,
                        Containers.config("l", CountedDaemon.IMAGE, "true").setLogPath(log)))
                        .as("log path %s", log)
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                                .isEqualTo(Status.Code.INVALID_ARGUMENT));
            }
        }
    }

    /** A 20 MB tmpfs as the state root and a 32 MB image: the pull fails naming the full disk and leaves nothing. */
    @Test
    void aFullDiskFailsThePullCleanly() throws Exception {
        try (CountedDaemon rig = new CountedDaemon("hdisk", 91, Map.of())) {
            byte[] noise = new byte[32 << 20];
            new Random(8).nextBytes(noise);
            String image = rig.push("big", ImageBuilder.tar().file("noise", 0644, noise)
                    .layer(Compression.GZIP, Format.OCI));
            Path lib = rig.jcri().dir().resolve("lib");
            rig.jcri().stop();
            Pods.sh("rm -rf " + lib + " && mkdir " + lib + " && mount -t tmpfs -o size=20m jcri-e2e-full " + lib);
            try {
                rig.jcri().launch();
                try (CriClients c = rig.client()) {
                    assertThatThrownBy(() -> c.images().pullImage(PullImageRequest.newBuilder()
                            .setImage(ImageSpec.newBuilder().setImage(image)).build()))
                            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                                assertThat(e.getStatus().getCode()).isIn(Status.Code.RESOURCE_EXHAUSTED,
                                        Status.Code.INTERNAL);
                                assertThat(e.getStatus().getDescription()).containsIgnoringCase("no space");
                            });
                    assertThat(c.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList())
                            .isEmpty();
                    rig.pull(c);
                    assertThat(c.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesCount())
                            .isEqualTo(1);
                }
                assertThat(Pods.sh("df -k " + lib + " | tail -1")).as("space freed after the failed pull")
                        .doesNotContain("100%");
                rig.jcri().stop();
            } finally {
                Pods.exec(30, "umount", "-l", lib.toString());
            }
        }
    }

    private static PodSandboxConfig pod(CountedDaemon rig, String name) {
        return Pods.config(name).setLogDirectory(rig.jcri().dir().resolve("logs").toString()).build();
    }

    /** Creates and starts the container; refusing it is as good an answer as confining it. */
    private static void tryRun(CriClients c, String podId, PodSandboxConfig pod, ContainerConfig.Builder config) {
        try {
            Containers.run(c, podId, pod, config);
        } catch (StatusRuntimeException refused) {
            assertThat(refused.getStatus().getCode()).as(refused.getStatus().toString())
                    .isNotIn(Status.Code.UNKNOWN, Status.Code.UNAVAILABLE);
        }
    }
}
