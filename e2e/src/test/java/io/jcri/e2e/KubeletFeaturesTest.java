package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.Container;
import io.jcri.cri.v1.ContainerEventResponse;
import io.jcri.cri.v1.ContainerEventType;
import io.jcri.cri.v1.ContainerState;
import io.jcri.cri.v1.ContainerStatus;
import io.jcri.cri.v1.GetEventsRequest;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.ImageStatusRequest;
import io.jcri.cri.v1.ListContainersRequest;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxStatusRequest;
import io.jcri.cri.v1.PodSandboxStatusResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(JcriProcess.isRoot(), "e2e container tests need root: skipped");
        assumeTrue(LocalRegistry.available(), "docker-registry is not installed: skipped");
        net = new ScratchNetwork(Files.createTempDirectory("jcri-e2e-kubelet-"), "jcri-e2e-kubelet", 118);
        fixture = FixtureDaemon.start(net.toml(20));
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
}
