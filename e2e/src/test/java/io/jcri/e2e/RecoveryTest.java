package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ContainerState;
import io.jcri.cri.v1.ContainerStatus;
import io.jcri.cri.v1.ContainerStatusRequest;
import io.jcri.cri.v1.ListContainersRequest;
import io.jcri.cri.v1.ListImagesRequest;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxState;
import io.jcri.cri.v1.StartContainerRequest;
import io.jcri.cri.v1.StopPodSandboxRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * jcri killed at every step of the multi-step RPCs (through the JCRI_FAULT fault points) and restarted on the same
 * state: nothing half-made is listed, nothing of it is left on the host, and the same request then succeeds. Also
 * a SIGKILL with pods and containers running: they keep running and the restarted daemon knows them all.
 */
class RecoveryTest {
    @BeforeEach
    void needsRoot() {
        CountedDaemon.assumeUsable();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sandbox.after-netns", "sandbox.after-cni", "sandbox.before-ready"})
    void runPodSandboxKilledMidwayIsUndoneAndSucceedsWhenRetried(String point) throws Exception {
        try (CountedDaemon rig = new CountedDaemon(shortName(point), octet(point), Map.of("JCRI_FAULT", point))) {
            CountedDaemon.Footprint before = rig.footprint();
            PodSandboxConfig pod = Pods.config("victim").build();
            killedBy(rig, point, c -> Pods.run(c, pod));
            try (CriClients c = rig.client()) {
                assertThat(c.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList())
                        .as("pods after a kill at %s", point).isEmpty();
                assertThat(rig.footprint()).as("left on the host by a kill at %s", point).isEqualTo(before);
                String id = Pods.run(c, pod);
                assertThat(Pods.status(c, id).getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
                Pods.stopAndRemove(c, id);
            }
            assertThat(rig.footprint()).isEqualTo(before);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"container.after-rootfs", "container.after-create"})
    void createContainerKilledMidwayIsUndoneAndSucceedsWhenRetried(String point) throws Exception {
        try (CountedDaemon rig = new CountedDaemon(shortName(point), octet(point), Map.of("JCRI_FAULT", point))) {
            PodSandboxConfig pod = Pods.config("host").setLogDirectory(rig.jcri().dir().resolve("logs").toString())
                    .build();
            String podId;
            CountedDaemon.Footprint withPod;
            try (CriClients c = rig.client()) {
                rig.pull(c);
                podId = Pods.run(c, pod);
                withPod = rig.footprint();
            }
            killedBy(rig, point, c -> Containers.create(c, podId, pod, sleeper("victim")));
            try (CriClients c = rig.client()) {
                assertThat(c.runtime().listContainers(ListContainersRequest.getDefaultInstance())
                        .getContainersList()).as("containers after a kill at %s", point).isEmpty();
                assertThat(rig.footprint()).as("left on the host by a kill at %s", point).isEqualTo(withPod);
                String id = Containers.run(c, podId, pod, sleeper("victim"));
                assertThat(Containers.sh(c, id, "echo alive")).isEqualTo("alive\n");
                Containers.removeAll(c);
                assertThat(rig.footprint()).isEqualTo(withPod);
            }
        }
    }

    @Test
    void startContainerKilledAfterTheRuntimeStartedItShowsItRunning() throws Exception {
        String point = "container.after-start";
        try (CountedDaemon rig = new CountedDaemon("rstart", 83, Map.of("JCRI_FAULT", point))) {
            PodSandboxConfig pod = Pods.config("host").setLogDirectory(rig.jcri().dir().resolve("logs").toString())
                    .build();
            String id;
            try (CriClients c = rig.client()) {
                rig.pull(c);
                String podId = Pods.run(c, pod);
                id = Containers.create(c, podId, pod, sleeper("victim"));
            }
            killedBy(rig, point, c -> c.runtime().startContainer(StartContainerRequest.newBuilder()
                    .setContainerId(id).build()));
            try (CriClients c = rig.client()) {
                ContainerStatus s = Containers.status(c, id);
                assertThat(s.getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
                assertThat(s.getStartedAt()).isPositive();
                assertThat(Containers.sh(c, id, "echo alive")).isEqualTo("alive\n");
                Containers.stop(c, id, 1);
                assertThat(Containers.status(c, id).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
            }
        }
    }

    @Test
    void stopPodSandboxKilledBeforeNetworkTeardownFinishesWhenRetried() throws Exception {
        String point = "sandbox.before-cni-del";
        try (CountedDaemon rig = new CountedDaemon("rstop", 84, Map.of("JCRI_FAULT", point))) {
            CountedDaemon.Footprint before = rig.footprint();
            PodSandboxConfig pod = Pods.config("victim").setLogDirectory(rig.jcri().dir().resolve("logs").toString())
                    .build();
            String podId;
            String ctr;
            try (CriClients c = rig.client()) {
                rig.pull(c);
                podId = Pods.run(c, pod);
                ctr = Containers.run(c, podId, pod, sleeper("app"));
            }
            killedBy(rig, point, c -> c.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder()
                    .setPodSandboxId(podId).build()));
            try (CriClients c = rig.client()) {
                assertThat(Containers.status(c, ctr).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
                c.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
                assertThat(Pods.status(c, podId).getState()).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
                Containers.removeAll(c);
                Pods.stopAndRemove(c, podId);
            }
            assertThat(rig.footprint()).isEqualTo(before);
        }
    }

    @Test
    void pullImageKilledAfterItsLayersListsNothingAndSucceedsWhenRetried() throws Exception {
        String point = "image.after-layers";
        try (CountedDaemon rig = new CountedDaemon("rpull", 85, Map.of("JCRI_FAULT", point))) {
            killedBy(rig, point, rig::pull);
            try (CriClients c = rig.client()) {
                assertThat(c.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()).isEmpty();
                rig.pull(c);
                assertThat(c.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList())
                        .singleElement().satisfies(i -> assertThat(i.getRepoTagsList()).contains(CountedDaemon.IMAGE));
            }
        }
    }

    /**
     * SIGKILL with a pod, a long-running logging container and one that exits while jcri is down: the containers
     * keep running, and after the restart every object shows its real state, exit code and finish time, the log
     * continues in the same file, and exec, stop and remove work.
     */
    @Test
    void killedDaemonFindsItsPodsAndContainersAsTheyAre() throws Exception {
        try (CountedDaemon rig = new CountedDaemon("rkill", 86, Map.of())) {
            CountedDaemon.Footprint before = rig.footprint();
            PodSandboxConfig pod = Pods.config("survivor")
                    .setLogDirectory(rig.jcri().dir().resolve("logs").toString()).build();
            String podId;
            String talker;
            String quitter;
            Path log;
            int talkerPid;
            try (CriClients c = rig.client()) {
                rig.pull(c);
                podId = Pods.run(c, pod);
                talker = Containers.run(c, podId, pod, Containers.config("talker", CountedDaemon.IMAGE, "sh", "-c",
                        "i=0; while true; do echo line$i; i=$((i+1)); sleep 0.2; done"));
                quitter = Containers.run(c, podId, pod, Containers.config("quitter", CountedDaemon.IMAGE, "sh", "-c",
                        "sleep 2; exit 7"));
                log = Path.of(Containers.status(c, talker).getLogPath());
                talkerPid = pidOf(rig, talker);
            }
            long killedAt = System.currentTimeMillis();
            rig.jcri().kill();
            Thread.sleep(4000);
            long linesWhileDown = Files.readAllLines(log).size();
            assertThat(Files.exists(Path.of("/proc/" + talkerPid))).as("container outlives jcri").isTrue();
            long restartedAt = System.currentTimeMillis();
            rig.jcri().launch();
            try (CriClients c = rig.client()) {
                assertThat(Pods.status(c, podId).getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
                assertThat(Containers.status(c, talker).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
                ContainerStatus q = Containers.status(c, quitter);
                assertThat(q.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
                assertThat(q.getExitCode()).isEqualTo(7);
                assertThat(q.getFinishedAt() / 1_000_000).isBetween(killedAt, restartedAt);
                assertThat(c.runtime().listContainers(ListContainersRequest.getDefaultInstance())
                        .getContainersCount()).isEqualTo(2);
                Thread.sleep(1000);
                assertThat(Files.readAllLines(log).size()).as("log continues in %s", log)
                        .isGreaterThan((int) linesWhileDown);
                assertThat(Containers.sh(c, talker, "echo alive")).isEqualTo("alive\n");
                Containers.stop(c, talker, 1);
                assertThat(Containers.awaitExit(c, talker, Duration.ofSeconds(10)).getState())
                        .isEqualTo(ContainerState.CONTAINER_EXITED);
                Containers.removeAll(c);
                Pods.stopAndRemove(c, podId);
            }
            assertThat(rig.footprint()).isEqualTo(before);
        }
    }

    /**
     * A node upgraded from a jcri that kept each pod and container in one file ({@code record.json}, the fields
     * of today's {@code meta.json} and {@code status.json} together): the daemon stops with a pod, a running
     * container and an exited one; their records are put back in the old format; the upgraded daemon converts
     * them and knows every object as it is.
     */
    @Test
    void aNodeUpgradedFromSingleFileRecordsKeepsItsPodsAndContainers() throws Exception {
        try (CountedDaemon rig = new CountedDaemon("rupg", 82, Map.of())) {
            CountedDaemon.Footprint before = rig.footprint();
            PodSandboxConfig pod = Pods.config("upgraded").build();
            String podId;
            String runner;
            String done;
            int runnerPid;
            try (CriClients c = rig.client()) {
                rig.pull(c);
                podId = Pods.run(c, pod);
                runner = Containers.run(c, podId, pod, Containers.config("runner", CountedDaemon.IMAGE, "sleep",
                        "3600"));
                done = Containers.run(c, podId, pod, Containers.config("done", CountedDaemon.IMAGE, "sh", "-c",
                        "exit 3"));
                assertThat(Containers.awaitExit(c, done, Duration.ofSeconds(10)).getExitCode()).isEqualTo(3);
                runnerPid = recordedPid(c, runner);
            }
            assertThat(rig.jcri().stop()).as(rig.jcri().logText()).isZero();
            Path state = rig.jcri().dir().resolve("lib");
            for (Path object : List.of(state.resolve("sandboxes/" + podId), state.resolve("containers/" + runner),
                    state.resolve("containers/" + done))) {
                toSingleFile(object);
            }
            rig.jcri().launch();
            try (CriClients c = rig.client()) {
                assertThat(Pods.status(c, podId).getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
                ContainerStatus r = Containers.status(c, runner);
                assertThat(r.getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
                assertThat(r.getMetadata().getName()).isEqualTo("runner");
                assertThat(recordedPid(c, runner)).isEqualTo(runnerPid);
                ContainerStatus d = Containers.status(c, done);
                assertThat(d.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
                assertThat(d.getExitCode()).isEqualTo(3);
                assertThat(Containers.sh(c, runner, "echo alive")).isEqualTo("alive\n");
                assertThat(state.resolve("containers/" + runner)).isDirectoryContaining("glob:**/meta.json")
                        .isDirectoryContaining("glob:**/status.json").isDirectoryNotContaining("glob:**/record.json");
                Containers.removeAll(c);
                Pods.stopAndRemove(c, podId);
            }
            assertThat(rig.footprint()).isEqualTo(before);
        }
    }

    /** The container's process as its record holds it (the verbose status's info). */
    private static int recordedPid(CriClients c, String id) throws Exception {
        String info = c.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id)
                .setVerbose(true).build()).getInfoOrThrow("info");
        return new ObjectMapper().readTree(info).path("pid").asInt();
    }

    /** Replaces an object's {@code meta.json} and {@code status.json} by the one {@code record.json} of old. */
    private static void toSingleFile(Path object) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode record = (ObjectNode) json.readTree(object.resolve("meta.json").toFile());
        record.setAll((ObjectNode) json.readTree(object.resolve("status.json").toFile()));
        Files.write(object.resolve("record.json"), json.writerWithDefaultPrettyPrinter().writeValueAsBytes(record));
        Files.delete(object.resolve("meta.json"));
        Files.delete(object.resolve("status.json"));
    }

    /** Kubelet's retry after its own timeout joins the call still in flight and gets the same object. */
    @Test
    void aRetryWhileTheFirstCallRunsGetsTheFirstCallsResult() throws Exception {
        try (CountedDaemon rig = new CountedDaemon("rjoin", 79, Map.of("JCRI_FAULT",
                "sandbox.after-netns:sleep=3000,container.after-rootfs:sleep=3000"));
             CriClients c = rig.client();
             var pool = Executors.newFixedThreadPool(2)) {
            rig.pull(c);
            PodSandboxConfig pod = Pods.config("joined").setLogDirectory(rig.jcri().dir().resolve("logs").toString())
                    .build();
            Future<String> first = pool.submit(() -> Pods.run(c, pod));
            Thread.sleep(1000);
            Future<String> retry = pool.submit(() -> Pods.run(c, pod));
            String podId = first.get();
            assertThat(retry.get()).isEqualTo(podId);
            Future<String> firstCtr = pool.submit(() -> Containers.create(c, podId, pod, sleeper("app")));
            Thread.sleep(1000);
            Future<String> retryCtr = pool.submit(() -> Containers.create(c, podId, pod, sleeper("app")));
            assertThat(retryCtr.get()).isEqualTo(firstCtr.get());
            assertThat(c.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount())
                    .isEqualTo(1);
            assertThat(c.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount())
                    .isEqualTo(1);
        }
    }

    /** A retry after the first call failed starts afresh: no name stays reserved by a failure. */
    @Test
    void aRetryAfterTheFirstCallFailedStartsAfresh() throws Exception {
        try (CountedDaemon rig = new CountedDaemon("rfresh", 78, Map.of())) {
            ScratchNetwork net = rig.net();
            net.addPlugin("flaky", """
                    input=$(cat)
                    case "$CNI_COMMAND" in
                    ADD) if [ ! -e "$0.failed" ]; then touch "$0.failed"
                           echo '{"cniVersion":"1.0.0","code":11,"msg":"flaky: the first ADD fails"}'; exit 1; fi
                         echo "$input" | jq -c .prevResult ;;
                    VERSION) echo '{"cniVersion":"1.0.0","supportedVersions":["1.0.0"]}' ;;
                    esac
                    """);
            net.writeConflist("10-" + net.name() + ".conflist", """
                    {"cniVersion":"1.0.0","name":"%s","plugins":[
                     {"type":"bridge","bridge":"%s","isGateway":true,"ipMasq":true,
                      "ipam":{"type":"host-local","ranges":[[{"subnet":"10.78.0.0/24"}]],"routes":[{"dst":"0.0.0.0/0"}]}},
                     {"type":"flaky"}]}
                    """.formatted(net.name(), net.bridge()));
            rig.jcri().stop();
            rig.jcri().launch();
            CountedDaemon.Footprint before = rig.footprint();
            try (CriClients c = rig.client()) {
                PodSandboxConfig pod = Pods.config("again").setLogDirectory(rig.jcri().dir().resolve("logs")
                        .toString()).build();
                assertThatThrownBy(() -> Pods.run(c, pod)).isInstanceOf(StatusRuntimeException.class)
                        .hasMessageContaining("flaky");
                assertThat(rig.footprint()).isEqualTo(before);
                String podId = Pods.run(c, pod);
                assertThatThrownBy(() -> Containers.create(c, podId, pod, sleeper("app")))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                                .isEqualTo(Status.Code.NOT_FOUND));
                rig.pull(c);
                String id = Containers.run(c, podId, pod, sleeper("app"));
                assertThat(Containers.status(c, id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
            }
        }
    }

    /** Issues the request to a daemon armed with {@code point}: the daemon halts and the call fails UNAVAILABLE. */
    private static void killedBy(CountedDaemon rig, String point, Consumer<CriClients> request) throws Exception {
        try (CriClients c = rig.client()) {
            assertThatThrownBy(() -> request.accept(c)).as("request through fault point %s", point)
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        }
        assertThat(rig.jcri().process().waitFor()).isEqualTo(137);
        assertThat(rig.jcri().logText()).contains("fault point " + point + ": halting");
        rig.jcri().launch();
    }

    /** A daemon name of its own per fault point, short enough to keep bridge names (15 characters) apart. */
    private static String shortName(String point) {
        return "f" + Integer.toHexString(point.hashCode() & 0xfffff);
    }

    private static int octet(String point) {
        return 60 + Math.floorMod(point.hashCode(), 15);
    }

    private static io.jcri.cri.v1.ContainerConfig.Builder sleeper(String name) {
        return Containers.config(name, CountedDaemon.IMAGE, "sleep", "1000");
    }

    private static int pidOf(CountedDaemon rig, String id) throws Exception {
        return Integer.parseInt(Files.readString(rig.jcri().dir().resolve("run/conmon/" + id + "/pidfile")).strip());
    }
}
