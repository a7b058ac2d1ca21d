package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.CDIDevice;
import io.jcri.cri.v1.Container;
import io.jcri.cri.v1.ContainerEventResponse;
import io.jcri.cri.v1.ContainerEventType;
import io.jcri.cri.v1.ContainerState;
import io.jcri.cri.v1.ContainerStatus;
import io.jcri.cri.v1.GetEventsRequest;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.ImageStatusRequest;
import io.jcri.cri.v1.ListContainersRequest;
import io.jcri.cri.v1.Mount;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.RunPodSandboxRequest;
import io.jcri.cri.v1.StatusRequest;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.cri.v1.PodSandboxStatusRequest;
import io.jcri.cri.v1.PodSandboxStatusResponse;
import io.jcri.e2e.ImageBuilder.Compression;
import io.jcri.e2e.ImageBuilder.Format;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What kubelet 1.34 to 1.37 asks of a runtime beyond critest (issue 18), driven through CRI as kubelet drives
 * it: the image a container shows by name, evented PLEG's statuses, the node's platform, recursive read-only
 * mounts, CDI devices, image volumes and the metrics containerd serves.
 */
class KubeletFeaturesTest {
    private static final String IMAGE = "fixtures.jcri.test/e2e/kubelet-busybox:1";
    private static final List<String> APPLETS = List.of("cat", "echo", "env", "grep", "ls", "mount", "sleep",
            "stat", "touch", "true");

    private static FixtureDaemon fixture;
    private static ScratchNetwork net;
    private static CriClients cri;
    private static Path cdiDir;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(JcriProcess.isRoot(), "e2e container tests need root: skipped");
        assumeTrue(LocalRegistry.available(), "docker-registry is not installed: skipped");
        Path dir = Files.createTempDirectory("jcri-e2e-kubelet-");
        net = new ScratchNetwork(dir, "jcri-e2e-kubelet", 118);
        cdiDir = Files.createDirectories(dir.resolve("cdi"));
        fixture = FixtureDaemon.start(net.toml(20) + "[cdi]\nspec_dirs = [\"" + dir.resolve("etc-cdi") + "\", \""
                + cdiDir + "\"]\n");
        cri = fixture.cri();
        fixture.pushAndPull("e2e/kubelet-busybox", "", FixtureDaemon.busybox(APPLETS,
                "root:x:0:0:root:/root:/bin/sh\n", "root:x:0:\n"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (fixture != null) {
            fixture.keepLog("KubeletFeaturesTest");
            fixture.close();
        }
        if (net != null) {
            net.close();
        }
    }

    @AfterEach
    void removeEverything() {
        if (cri != null) {
            Containers.removeAll(cri);
            Pods.removeAll(cri);
        }
    }

    private record Pod(String id, PodSandboxConfig config) {
    }

    private static Pod pod(String name) throws Exception {
        PodSandboxConfig config = Pods.config(name).setLogDirectory(Files.createDirectories(
                fixture.jcri().dir().resolve("logs").resolve(name)).toString()).build();
        return new Pod(Pods.run(cri, config), config);
    }

    /** Kubelet creates containers by image ID and names the image as the user wrote it in user_specified_image. */
    @Test
    void statusAndListShowTheImageByNameAndTheRepoDigest() throws Exception {
        var image = cri.images().imageStatus(ImageStatusRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(IMAGE)).build()).getImage();
        String id = image.getId();
        String repoDigest = image.getRepoDigests(0);
        assertThat(repoDigest).startsWith("fixtures.jcri.test/e2e/kubelet-busybox@sha256:");
        Pod pod = pod("image-name");
        String named = Containers.create(cri, pod.id(), pod.config(), Containers.config("named", id, "true")
                .setImage(ImageSpec.newBuilder().setImage(id).setUserSpecifiedImage("e2e-kubelet-busybox:1")
                        .setRuntimeHandler("runc")));
        String unnamed = Containers.create(cri, pod.id(), pod.config(), Containers.config("unnamed", id, "true"));

        ContainerStatus s = Containers.status(cri, named);
        assertThat(s.getImage().getImage()).isEqualTo("e2e-kubelet-busybox:1");
        assertThat(s.getImage().getUserSpecifiedImage()).isEqualTo("e2e-kubelet-busybox:1");
        assertThat(s.getImage().getRuntimeHandler()).isEqualTo("runc");
        assertThat(s.getImageRef()).isEqualTo(repoDigest);
        assertThat(s.getImageId()).isEqualTo(id);
        ContainerStatus u = Containers.status(cri, unnamed);
        assertThat(u.getImage().getImage()).as("without user_specified_image: the first tag").isEqualTo(IMAGE);
        assertThat(u.getImageRef()).isEqualTo(repoDigest);

        List<Container> listed = cri.runtime().listContainers(ListContainersRequest.getDefaultInstance())
                .getContainersList();
        assertThat(listed).extracting(c -> c.getImage().getImage())
                .containsExactlyInAnyOrder("e2e-kubelet-busybox:1", IMAGE);
        assertThat(listed).allSatisfy(c -> {
            assertThat(c.getImageRef()).isEqualTo(repoDigest);
            assertThat(c.getImageId()).isEqualTo(id);
        });
    }

    /**
     * Kubelet's GetPodStatus with the EventedPLEG gate: a PodSandboxStatus with a timestamp is taken to carry all
     * the pod's containers; an event carries the pod's status and all its containers' statuses.
     */
    @Test
    void podSandboxStatusAndEventsCarryEveryContainerAsEventedPlegReadsThem() throws Exception {
        Pod pod = pod("evented");
        BlockingQueue<ContainerEventResponse> events = new LinkedBlockingQueue<>();
        Context.CancellableContext call = Context.current().withCancellation();
        String created;
        try {
            Thread.ofVirtual().start(() -> call.run(() -> {
                try {
                    cri.runtime().getContainerEvents(GetEventsRequest.getDefaultInstance())
                            .forEachRemaining(events::add);
                } catch (StatusRuntimeException e) {
                    // cancelled at the end of the test
                }
            }));
            created = Containers.create(cri, pod.id(), pod.config(), Containers.config("waiting", IMAGE, "true"));
            awaitEvent(events, created, ContainerEventType.CONTAINER_CREATED_EVENT);
            String running = Containers.run(cri, pod.id(), pod.config(),
                    Containers.config("running", IMAGE, "sleep", "3600"));
            ContainerEventResponse started = awaitEvent(events, running, ContainerEventType.CONTAINER_STARTED_EVENT);
            assertThat(started.getPodSandboxStatus().getId()).isEqualTo(pod.id());
            assertThat(started.getPodSandboxStatus().getMetadata().getUid()).isEqualTo("uid-evented");
            assertThat(started.getContainersStatusesList()).extracting(ContainerStatus::getId)
                    .contains(created, running);
        } finally {
            call.cancel(null);
        }

        PodSandboxStatusResponse resp = cri.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                .setPodSandboxId(pod.id()).build());
        assertThat(resp.getTimestamp()).as("not older than what it shows").isGreaterThanOrEqualTo(
                resp.getContainersStatusesList().stream().mapToLong(ContainerStatus::getStartedAt).max().orElse(1));
        assertThat(resp.getContainersStatusesList()).hasSize(
                cri.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount());
        assertThat(resp.getContainersStatusesList()).filteredOn(c -> c.getId().equals(created))
                .singleElement().satisfies(c -> {
                    assertThat(c.getState()).isEqualTo(ContainerState.CONTAINER_CREATED);
                    assertThat(c.getMetadata().getName()).isEqualTo("waiting");
                    assertThat(c.getImage().getImage()).isEqualTo(IMAGE);
                });
        assertThat(resp.getContainersStatusesList()).filteredOn(c -> c.getState() == ContainerState.CONTAINER_RUNNING)
                .isNotEmpty().allSatisfy(c -> assertThat(c.getStartedAt()).isPositive());
    }

    /** The next event of container {@code id} of {@code type}, which must come within 10 s. */
    private static ContainerEventResponse awaitEvent(BlockingQueue<ContainerEventResponse> events, String id,
                                                     ContainerEventType type) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            ContainerEventResponse e = events.poll(100, TimeUnit.MILLISECONDS);
            if (e != null && e.getContainerId().equals(id) && e.getContainerEventType() == type) {
                return e;
            }
        }
        throw new AssertionError("no " + type + " for container " + id + " within 10s");
    }

    /**
     * An index whose first entry is another platform: the node's own is pulled; image.platform picks another
     * (applied by a reload); a platform the index lacks fails the pull naming it and what the index offers.
     */
    @Test
    void anIndexYieldsTheNodesPlatformOrTheConfiguredOneAndNamesAMissingOne() throws Exception {
        ImageBuilder.Layer amd = ImageBuilder.tar().file("arch", 0644, ImageBuilder.utf8("amd64"))
                .layer(Compression.GZIP, Format.OCI);
        ImageBuilder.Layer arm = ImageBuilder.tar().file("arch", 0644, ImageBuilder.utf8("arm64"))
                .layer(Compression.GZIP, Format.OCI);
        fixture.builder().pushMultiArch("e2e/multi", "1", Format.OCI, List.of(amd), List.of(arm));
        String image = FixtureDaemon.REGISTRY + "/e2e/multi:1";
        String node = System.getProperty("os.arch").equals("aarch64") ? "arm64" : "amd64";
        assertThat(pulledArchitecture(image)).as("the node's platform").isEqualTo(node);

        JcriProcess jcri = fixture.jcri();
        String original = Files.readString(jcri.configFile());
        try {
            Files.writeString(jcri.configFile(), original.replace("[image]\n",
                    "[image]\nplatform = \"linux/" + (node.equals("amd64") ? "arm64/v8" : "amd64") + "\"\n"));
            ReloadTest.reload(jcri);
            assertThat(pulledArchitecture(image)).as("image.platform").isNotEqualTo(node);

            Files.writeString(jcri.configFile(), original.replace("[image]\n", "[image]\nplatform = \"linux/s390x\"\n"));
            ReloadTest.reload(jcri);
            assertThatThrownBy(() -> pulledArchitecture(image)).isInstanceOfSatisfying(StatusRuntimeException.class,
                    e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                        assertThat(e.getStatus().getDescription()).contains("linux/s390x", "linux/arm64/v8",
                                "linux/amd64");
                    });
        } finally {
            Files.writeString(jcri.configFile(), original);
            ReloadTest.reload(jcri);
        }
    }

    /** Pulls {@code image} and returns the architecture its config names. */
    private static String pulledArchitecture(String image) throws Exception {
        String id = cri.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder()
                .setImage(image)).build()).getImageRef();
        String config = cri.images().imageStatus(ImageStatusRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(id)).setVerbose(true).build()).getInfoMap().get("info");
        return new ObjectMapper().readTree(config).path("architecture").asText();
    }

    /**
     * Status says per handler whether recursive read-only mounts work, as probed; where they do, a submount of the
     * volume is read-only inside; where not, CreateContainer refuses naming why and makes nothing.
     */
    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void recursiveReadOnlyMountsAreReportedTruthfullyAndRefusedWhereTheyCannotWork(String handler)
            throws Exception {
        boolean reported = cri.runtime().status(StatusRequest.getDefaultInstance()).getRuntimeHandlersList()
                .stream().filter(h -> h.getName().equals(handler)).findFirst().orElseThrow().getFeatures()
                .getRecursiveReadOnlyMounts();
        Path volume = Files.createDirectories(fixture.jcri().dir().resolve("rro-" + handler));
        Path sub = Files.createDirectories(volume.resolve("sub"));
        Pods.sh("mount -t tmpfs rro-e2e " + sub);
        try {
            PodSandboxConfig config = Pods.config("rro-" + handler).setLogDirectory(Files.createDirectories(
                    fixture.jcri().dir().resolve("logs").resolve("rro-" + handler)).toString()).build();
            String podId = cri.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config)
                    .setRuntimeHandler(handler).build()).getPodSandboxId();
            var container = Containers.config("rro", IMAGE, "sleep", "3600").addMounts(Mount.newBuilder()
                    .setContainerPath("/data").setHostPath(volume.toString()).setReadonly(true)
                    .setRecursiveReadOnly(true));
            if (reported) {
                String id = Containers.run(cri, podId, config, container);
                assertThat(Containers.exec(cri, id, 10, "touch", "/data/sub/x").getStderr().toStringUtf8())
                        .as("the submount is read-only too").contains("Read-only file system");
                assertThat(Containers.exec(cri, id, 10, "touch", "/data/x").getExitCode()).isNotZero();
            } else {
                assertThatThrownBy(() -> Containers.create(cri, podId, config, container))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                            assertThat(e.getStatus().getDescription()).contains("recursive read-only mount at /data",
                                    "runtime handler " + handler);
                        });
                assertThat(cri.runtime().listContainers(ListContainersRequest.getDefaultInstance())
                        .getContainersList()).isEmpty();
            }
        } finally {
            Containers.removeAll(cri);
            Pods.removeAll(cri);
            Pods.sh("umount " + sub);
        }
    }

    /**
     * A DRA driver's CDI spec, written after the daemon started: the container asking for the device by
     * CDI_devices sees the device node (its numbers looked up on the host), the variables and the mount; an unknown
     * name fails CreateContainer naming it, and nothing is made.
     */
    @Test
    void cdiDevicesBringTheirNodeEnvironmentAndMountIntoTheContainer() throws Exception {
        Path node = cdiDir.resolve("jcri-e2e-null");
        Files.deleteIfExists(node);
        Pods.sh("mknod " + node + " c 1 3");
        Path data = Files.createDirectories(cdiDir.resolve("data"));
        Files.writeString(data.resolve("hello"), "from the driver");
        Files.writeString(cdiDir.resolve("jcri-test.yaml"), """
                cdiVersion: "0.6.0"
                kind: jcri.test/nulls
                devices:
                  - name: null0
                    containerEdits:
                      env: ["JCRI_CDI_DEVICE=null0"]
                      deviceNodes:
                        - path: /dev/jcri-null0
                          hostPath: %s
                      mounts:
                        - hostPath: %s
                          containerPath: /cdi-data
                          type: bind
                          options: ["rbind", "ro"]
                containerEdits:
                  env: ["JCRI_CDI_SPEC=yes"]
                """.formatted(node, data));
        Pod pod = pod("cdi");
        String id = Containers.run(cri, pod.id(), pod.config(), Containers.config("cdi", IMAGE, "sleep", "3600")
                .addCDIDevices(CDIDevice.newBuilder().setName("jcri.test/nulls=null0")));
        assertThat(Containers.sh(cri, id, "stat -c '%t:%T %F' /dev/jcri-null0").strip())
                .isEqualTo("1:3 character special file");
        assertThat(Containers.sh(cri, id, "echo gone > /dev/jcri-null0 && echo written").strip())
                .as("the cgroup allows the device").isEqualTo("written");
        assertThat(Containers.sh(cri, id, "env").lines()).contains("JCRI_CDI_DEVICE=null0", "JCRI_CDI_SPEC=yes");
        assertThat(Containers.sh(cri, id, "cat /cdi-data/hello")).isEqualTo("from the driver");

        int before = cri.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount();
        assertThatThrownBy(() -> Containers.create(cri, pod.id(), pod.config(), Containers.config("cdi-unknown",
                IMAGE, "true").addCDIDevices(CDIDevice.newBuilder().setName("jcri.test/nulls=null9"))))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).contains("jcri.test/nulls=null9");
                });
        assertThat(cri.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount())
                .isEqualTo(before);
    }

    /**
     * Image volumes as kubelet sends them (KEP-4639): the image's files read-only and not executable at the
     * container path, an image_sub_path inside the image, the mount in ContainerStatus; the image's layers stay while
     * mounted even when the image is removed; a missing image, a sub path leaving the image or one it lacks fail.
     */
    @Test
    void imageVolumesMountTheImageReadOnlyAndNoexec() throws Exception {
        ImageBuilder b = fixture.builder();
        b.push("e2e/weights", "1", Format.OCI, List.of(ImageBuilder.tar().dir("models", 0755)
                .file("models/model.bin", 0644, ImageBuilder.utf8("weights v1")).layer(Compression.GZIP, Format.OCI),
                ImageBuilder.tar().file("run.sh", 0755, ImageBuilder.utf8("#!/bin/sh\necho ran\n"))
                        .layer(Compression.GZIP, Format.OCI)), "", List.of("/run.sh"));
        b.push("e2e/config-bundle", "1", Format.OCI, List.of(ImageBuilder.tar().file("app.conf", 0644,
                ImageBuilder.utf8("debug=true")).layer(Compression.GZIP, Format.OCI)), "", List.of("/none"));
        String weights = FixtureDaemon.REGISTRY + "/e2e/weights:1";
        String bundle = FixtureDaemon.REGISTRY + "/e2e/config-bundle:1";
        for (String image : List.of(weights, bundle)) {
            cri.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image))
                    .build());
        }
        Mount whole = Mount.newBuilder().setContainerPath("/weights").setReadonly(true)
                .setImage(ImageSpec.newBuilder().setImage(weights)).build();
        Mount sub = Mount.newBuilder().setContainerPath("/model").setReadonly(true)
                .setImage(ImageSpec.newBuilder().setImage(weights)).setImageSubPath("models").build();
        Mount single = Mount.newBuilder().setContainerPath("/etc/app").setReadonly(true)
                .setImage(ImageSpec.newBuilder().setImage(bundle)).build();
        Pod pod = pod("image-volumes");
        String id = Containers.run(cri, pod.id(), pod.config(), Containers.config("reader", IMAGE, "sleep", "3600")
                .addMounts(whole).addMounts(sub).addMounts(single));

        assertThat(Containers.sh(cri, id, "cat /weights/models/model.bin /model/model.bin /etc/app/app.conf"))
                .isEqualTo("weights v1weights v1debug=true");
        assertThat(Containers.exec(cri, id, 10, "touch", "/weights/new").getStderr().toStringUtf8())
                .contains("Read-only file system");
        var ran = Containers.exec(cri, id, 10, "sh", "-c", "/weights/run.sh");
        assertThat(ran.getExitCode()).as("noexec").isNotZero();
        assertThat(ran.getStdout().toStringUtf8()).doesNotContain("ran");
        assertThat(Containers.sh(cri, id, "grep ' /weights ' /proc/mounts")).contains("ro,", "noexec");
        assertThat(Containers.status(cri, id).getMountsList()).filteredOn(m -> m.getImage().getImage().equals(weights))
                .extracting(Mount::getContainerPath, Mount::getImageSubPath)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("/weights", ""),
                        org.assertj.core.groups.Tuple.tuple("/model", "models"));

        // removed while mounted: the record goes, the layers stay for as long as the container mounts them
        cri.images().removeImage(io.jcri.cri.v1.RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder()
                .setImage(bundle)).build());
        assertThat(Containers.sh(cri, id, "cat /etc/app/app.conf")).isEqualTo("debug=true");

        for (Mount bad : List.of(sub.toBuilder().setImageSubPath("../../../etc").build(),
                sub.toBuilder().setImageSubPath("nothing-here").build())) {
            assertThatThrownBy(() -> Containers.create(cri, pod.id(), pod.config(), Containers.config("bad-sub",
                    IMAGE, "true").addMounts(bad))).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).contains(bad.getImageSubPath());
                    });
        }
        assertThatThrownBy(() -> Containers.create(cri, pod.id(), pod.config(), Containers.config("no-image",
                IMAGE, "true").addMounts(single))).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).contains(bundle);
                });
        assertThat(cri.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList())
                .extracting(Container::getId).containsExactly(id);
    }
}
