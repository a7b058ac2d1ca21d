package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.Image;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.ListContainersRequest;
import io.jcri.cri.v1.ListImagesRequest;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.PodSandbox;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.e2e.ImageBuilder.Compression;
import io.jcri.e2e.ImageBuilder.Format;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A real kubelet (the release e2e/kubelet/go.mod pins) in standalone mode driving one jcri: static pods from a
 * manifest directory, checked through kubelet's own read-only API and through jcri. One node for the class, as a
 * node lives: the pods start together and each test waits for what kubelet does with them; the last one removes
 * them and checks that nothing is left on the host.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubeletStandaloneTest {
    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final String NODE = "jcri-e2e-node";
    /**
     * Logs rotated when over 8 KiB, looked at every 3 s (kubelet's shortest interval); eviction thresholds this
     * machine never reaches, so that only the image GC test puts the node under disk pressure.
     */
    private static final String KUBELET_CONFIG = """
            containerLogMaxSize: 8Ki
            containerLogMaxFiles: 3
            containerLogMonitorInterval: 3s
            evictionHard:
              memory.available: 1Mi
              nodefs.available: 1%
              imagefs.available: 1%
            """;
    /**
     * Disk pressure at once (less than 99% free): kubelet's eviction manager reclaims through the image GC
     * (DeleteUnusedImages) every 10 s, freeing images unused for over a second. Static pods are critical: not
     * evicted.
     */
    private static final String PRESSURE_CONFIG = """
            containerLogMaxSize: 8Ki
            containerLogMaxFiles: 3
            containerLogMonitorInterval: 3s
            imageMinimumGCAge: 1s
            evictionHard:
              memory.available: 1Mi
              nodefs.available: 99%
              imagefs.available: 99%
            """;

    private static CountedDaemon rig;
    private static CriClients cri;
    private static KubeletNode kubelet;
    private static Path hostDir;
    private static String image;
    private static CountedDaemon.Footprint baseline;

    @BeforeAll
    static void startNode() throws Exception {
        CountedDaemon.assumeUsable();
        rig = new CountedDaemon("kubelet", 130, Map.of());
        cri = rig.client();
        image = rig.push("kubelet", ImageBuilder.tar().dir("bin", 0755).symlink("bin/rm", "busybox")
                .symlink("bin/seq", "busybox").layer(Compression.GZIP, Format.OCI));
        baseline = rig.footprint();
        hostDir = Files.createTempDirectory("jcri-e2e-kubelet-host-");
        kubelet = new KubeletNode(Files.createTempDirectory("jcri-e2e-kubelet-"), rig.jcri().endpoint(),
                "/jcri-e2e-kubelet-node", "10.130.0.0/24", KUBELET_CONFIG);
        kubelet.start();
        kubelet.addStaticPod("web", """
                apiVersion: v1
                kind: Pod
                metadata: {name: web, namespace: default}
                spec:
                  terminationGracePeriodSeconds: 2
                  initContainers:
                  - name: init
                    image: %1$s
                    command: [sh, -c, "echo initialised > /data/init"]
                    volumeMounts: [{name: data, mountPath: /data}]
                  containers:
                  - name: app
                    image: %1$s
                    command: [sh, -c, "echo \\"$GREETING\\" > /data/greeting; echo greeted; exec sleep 86400"]
                    env: [{name: GREETING, value: hello from kubelet}]
                    livenessProbe: {exec: {command: [cat, /data/init]}, periodSeconds: 2}
                    readinessProbe: {exec: {command: [cat, /data/greeting]}, periodSeconds: 2}
                    volumeMounts: [{name: data, mountPath: /data}]
                  - name: ticker
                    image: %1$s
                    command: [sh, -c, "for i in $(seq 1 1000000); do echo tick $i %2$s; sleep 0.05; done"]
                  volumes:
                  - name: data
                    hostPath: {path: %3$s, type: Directory}
                """.formatted(image, "x".repeat(100), hostDir));
        kubelet.addStaticPod("crash", """
                apiVersion: v1
                kind: Pod
                metadata: {name: crash, namespace: default}
                spec:
                  containers:
                  - name: crash
                    image: %s
                    command: [sh, -c, "echo about to fail; exit 3"]
                """.formatted(image));
        kubelet.addStaticPod("unhealthy", """
                apiVersion: v1
                kind: Pod
                metadata: {name: unhealthy, namespace: default}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: app
                    image: %s
                    command: [sh, -c, "touch /tmp/healthy; sleep 4; rm /tmp/healthy; exec sleep 86400"]
                    livenessProbe: {exec: {command: [cat, /tmp/healthy]}, periodSeconds: 1, failureThreshold: 2}
                """.formatted(image));
    }

    @AfterAll
    static void stopNode() throws Exception {
        if (rig == null) {
            return;
        }
        try {
            if (kubelet != null) {
                kubelet.stop();
            }
            cri.close();
            rig.close();
        } finally {
            if (kubelet != null) {
                kubelet.close();
            }
            if (hostDir != null) {
                try (Stream<Path> s = Files.walk(hostDir)) {
                    s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    @Test
    @Order(1)
    void aStaticPodRunsWithItsInitContainerProbesEnvAndHostPath() throws Exception {
        JsonNode web = await("web Ready", () -> kubelet.pod("web").filter(p -> condition(p, "Ready")));

        assertThat(web.path("status").path("phase").asText()).isEqualTo("Running");
        JsonNode init = web.path("status").path("initContainerStatuses").get(0);
        assertThat(init.path("state").path("terminated").path("exitCode").asInt(-1)).isZero();
        JsonNode statuses = web.path("status").path("containerStatuses");
        assertThat(statuses).hasSize(2);
        for (JsonNode s : statuses) {
            assertThat(s.path("ready").asBoolean()).as(s.toString()).isTrue();
            assertThat(s.path("state").has("running")).as(s.toString()).isTrue();
            assertThat(s.path("image").asText()).as(s.toString()).isEqualTo(image);
            assertThat(s.path("containerID").asText()).as(s.toString()).startsWith("jcri://");
            assertThat(s.path("restartCount").asInt()).isZero();
        }
        assertThat(Files.readString(hostDir.resolve("init"))).isEqualTo("initialised\n");
        assertThat(Files.readString(hostDir.resolve("greeting"))).isEqualTo("hello from kubelet\n");
        // kubelet's view and jcri's agree: one sandbox for the pod, its containers the ones kubelet names.
        String uid = web.path("metadata").path("uid").asText();
        assertThat(sandboxes(uid)).hasSize(1);
        for (JsonNode s : statuses) {
            String id = s.path("containerID").asText().substring("jcri://".length());
            assertThat(Containers.status(cri, id).getMetadata().getName()).isEqualTo(s.path("name").asText());
        }
    }

    @Test
    @Order(2)
    void aContainerThatExitsNonZeroIsRestartedWithBackOff() throws Exception {
        await("crash in CrashLoopBackOff", () -> kubelet.pod("crash").map(p -> container(p, "crash"))
                .filter(c -> "CrashLoopBackOff".equals(c.path("state").path("waiting").path("reason").asText())));
        JsonNode crash = await("crash restarted twice", () -> kubelet.pod("crash").map(p -> container(p, "crash"))
                .filter(c -> c.path("restartCount").asInt() >= 2));

        assertThat(crash.path("lastState").path("terminated").path("exitCode").asInt()).isEqualTo(3);
        // kubelet keeps the last dead container and the running/waiting one; the pod keeps its one sandbox.
        String uid = kubelet.pod("crash").orElseThrow().path("metadata").path("uid").asText();
        assertThat(sandboxes(uid)).hasSize(1);
    }

    @Test
    @Order(3)
    void aContainerFailingItsLivenessProbeIsKilledAndRestarted() throws Exception {
        JsonNode app = await("unhealthy restarted", () -> kubelet.pod("unhealthy").map(p -> container(p, "app"))
                .filter(c -> c.path("restartCount").asInt() >= 1));

        assertThat(app.path("lastState").path("terminated").isMissingNode()).as(app.toString()).isFalse();
    }

    @Test
    @Order(4)
    void containerLogsAreRotatedAndGoOnInTheReopenedFile() throws Exception {
        JsonNode web = await("web Ready", () -> kubelet.pod("web").filter(p -> condition(p, "Ready")));
        Path dir = kubelet.podLogs().resolve("default_" + web.path("metadata").path("name").asText() + "_"
                + web.path("metadata").path("uid").asText()).resolve("ticker");
        // kubelet renames 0.log to 0.log.<time> and asks jcri to reopen 0.log (later compressing the older ones).
        Path rotated = await("a rotated ticker log", () -> files(dir).stream()
                .filter(f -> f.getFileName().toString().matches("0\\.log\\.\\d+.*")).findFirst());
        long lastRotated = files(dir).stream().filter(f -> f.getFileName().toString().matches("0\\.log\\.\\d+"))
                .mapToLong(KubeletStandaloneTest::lastTick).max().orElse(0);

        long next = await("ticks after the rotation in 0.log", () -> Optional.of(lastTick(dir.resolve("0.log")))
                .filter(t -> t > lastRotated));
        assertThat(next).isGreaterThan(lastRotated);
        assertThat(rotated.getParent()).isEqualTo(dir);
        String id = container(kubelet.pod("web").orElseThrow(), "ticker").path("containerID").asText();
        assertThat(container(kubelet.pod("web").orElseThrow(), "ticker").path("restartCount").asInt()).isZero();
        assertThat(id).startsWith("jcri://");
    }

    @Test
    @Order(5)
    void statsSummaryHasCpuMemoryAndFilesystemFiguresForEachContainer() throws Exception {
        JsonNode pod = await("web in /stats/summary with container figures", () -> kubelet.summary().toString(), () -> {
            for (JsonNode p : kubelet.summary().path("pods")) {
                if (p.path("podRef").path("name").asText().equals("web-" + NODE)
                        && p.path("containers").size() == 2 && complete(p.path("containers"))) {
                    return Optional.of(p);
                }
            }
            return Optional.empty();
        });

        for (JsonNode c : pod.path("containers")) {
            assertThat(c.path("cpu").path("usageCoreNanoSeconds").asLong()).as(c.toString()).isPositive();
            assertThat(c.path("memory").path("workingSetBytes").asLong()).as(c.toString()).isPositive();
            assertThat(c.path("rootfs").has("usedBytes")).as(c.toString()).isTrue();
            assertThat(c.path("logs").path("usedBytes").asLong()).as(c.toString()).isPositive();
        }
        JsonNode node = kubelet.summary().path("node");
        assertThat(node.path("runtime").path("imageFs").path("capacityBytes").asLong()).isPositive();
    }

    @Test
    @Order(6)
    void kubeletRestartedLeavesThePodsAsTheyWere() throws Exception {
        JsonNode before = await("web Ready", () -> kubelet.pod("web").filter(p -> condition(p, "Ready")));
        List<String> sandboxesBefore = allSandboxIds();

        kubelet.stop();
        kubelet.start();
        awaitFreshPod("after-kubelet-restart");

        assertWebAsBefore(before, sandboxesBefore);
    }

    @Test
    @Order(7)
    void jcriRestartedKeepsThePodsWithoutDuplicateSandboxes() throws Exception {
        JsonNode before = await("web Ready", () -> kubelet.pod("web").filter(p -> condition(p, "Ready")));
        List<String> sandboxesBefore = allSandboxIds();

        rig.jcri().stop();
        rig.jcri().launch();
        cri.close();
        cri = rig.client();
        awaitFreshPod("after-jcri-restart");

        assertWebAsBefore(before, sandboxesBefore);
        Map<String, Integer> perPod = new HashMap<>();
        for (PodSandbox s : cri.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                .getItemsList()) {
            perPod.merge(s.getMetadata().getUid(), 1, Integer::sum);
        }
        assertThat(perPod).as("sandboxes per pod").allSatisfy((uid, n) -> assertThat(n).isEqualTo(1));
    }

    @Test
    @Order(8)
    void kubeletGarbageCollectsAnUnusedImageThroughJcri() throws Exception {
        String unused = rig.push("unused", ImageBuilder.tar().dir("unused", 0755)
                .file("unused/marker", 0644, "no pod uses me\n".getBytes(StandardCharsets.UTF_8))
                .layer(Compression.GZIP, Format.OCI));
        cri.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(unused))
                .build());
        assertThat(imageTags()).contains(unused);

        kubelet.stop();
        kubelet.configure(PRESSURE_CONFIG);
        kubelet.start();
        try {
            await("the unused image removed", () -> Optional.of(imageTags()).filter(t -> !t.contains(unused)));
        } finally {
            kubelet.stop();
            kubelet.configure(KUBELET_CONFIG);
            kubelet.start();
        }
        assertThat(imageTags()).contains(image);
    }

    @Test
    @Order(9)
    void staticPodsRemovedLeaveNothingBehind() throws Exception {
        for (String name : List.of("web", "crash", "unhealthy")) {
            kubelet.removeStaticPod(name);
        }

        await("no pods in kubelet", () -> Optional.of(kubelet.pods().path("items")).filter(JsonNode::isEmpty));
        await("no containers or sandboxes in jcri", () -> Optional.of(cri).filter(c ->
                c.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount() == 0
                && c.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount() == 0));
        CountedDaemon.Footprint after = await("the host as before the pods", () -> Optional.of(rig.footprint())
                .filter(baseline::equals));
        assertThat(after).isEqualTo(baseline);
        await("no pod cgroups left by kubelet", () -> Optional.of(podCgroups()).filter(List::isEmpty));
    }

    /** web Ready with the same containers, none restarted, and every sandbox still there. */
    private static void assertWebAsBefore(JsonNode before, List<String> sandboxesBefore) throws Exception {
        JsonNode after = await("web Ready again", () -> kubelet.pod("web").filter(p -> condition(p, "Ready")));
        assertThat(containerIds(after)).isEqualTo(containerIds(before));
        assertThat(after.path("status").path("containerStatuses").findValues("restartCount"))
                .allMatch(n -> n.asInt() == 0);
        assertThat(allSandboxIds()).containsAll(sandboxesBefore);
    }

    /** A new static pod that runs: kubelet talks to jcri again and has synced its pods since. */
    private static void awaitFreshPod(String name) throws Exception {
        kubelet.addStaticPod(name, """
                apiVersion: v1
                kind: Pod
                metadata: {name: %s, namespace: default}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: app
                    image: %s
                    command: [sleep, "86400"]
                """.formatted(name, image));
        await(name + " Ready", () -> kubelet.pod(name).filter(p -> condition(p, "Ready")));
        kubelet.removeStaticPod(name);
        await(name + " gone from kubelet", () -> kubelet.pod(name).isEmpty() ? Optional.of(name) : Optional.empty());
    }

    private static <T> T await(String what, Callable<Optional<T>> probe) throws Exception {
        return await(what, () -> "", probe);
    }

    /** Waits for {@code probe} to give a value; a failure shows {@code detail}, kubelet's pods and log tail. */
    private static <T> T await(String what, Callable<String> detail, Callable<Optional<T>> probe) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            Optional<T> v = probe.call();
            if (v.isPresent()) {
                return v.get();
            }
            if (!kubelet.running()) {
                throw new AssertionError("kubelet died while waiting for " + what + ":\n" + kubelet.logTail());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + WAIT.toSeconds() + " s for " + what + "; " + detail.call()
                        + "\nkubelet /pods: "
                        + kubelet.pods() + "\nkubelet log:\n" + kubelet.logTail());
            }
            Thread.sleep(500);
        }
    }

    private static boolean condition(JsonNode pod, String type) {
        for (JsonNode c : pod.path("status").path("conditions")) {
            if (c.path("type").asText().equals(type)) {
                return c.path("status").asText().equals("True");
            }
        }
        return false;
    }

    private static JsonNode container(JsonNode pod, String name) {
        for (JsonNode c : pod.path("status").path("containerStatuses")) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private static List<String> containerIds(JsonNode pod) {
        return pod.path("status").path("containerStatuses").findValuesAsText("containerID");
    }

    private static boolean complete(JsonNode containers) {
        for (JsonNode c : containers) {
            if (c.path("cpu").path("usageCoreNanoSeconds").asLong() == 0
                    || c.path("memory").path("workingSetBytes").asLong() == 0 || !c.path("rootfs").has("usedBytes")
                    || c.path("logs").path("usedBytes").asLong() == 0) {
                return false;
            }
        }
        return true;
    }

    private static List<PodSandbox> sandboxes(String uid) {
        return cri.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList().stream()
                .filter(s -> s.getMetadata().getUid().equals(uid)).toList();
    }

    private static List<String> allSandboxIds() {
        return cri.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList().stream()
                .map(PodSandbox::getId).toList();
    }

    private static List<String> imageTags() {
        return cri.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList().stream()
                .map(Image::getRepoTagsList).flatMap(List::stream).toList();
    }

    private static List<Path> files(Path dir) throws java.io.IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    private static final Pattern TICK = Pattern.compile("tick (\\d+) ");

    /** The highest tick number in a CRI-format log file (0 when it has none). */
    private static long lastTick(Path log) {
        long last = 0;
        try {
            Matcher m = TICK.matcher(Files.readString(log));
            while (m.find()) {
                last = Math.max(last, Long.parseLong(m.group(1)));
            }
        } catch (java.io.IOException gone) {
            // Rotated away or compressed while being read: the other files tell.
        }
        return last;
    }

    /** The pod cgroups kubelet made under its cgroup root, in the memory hierarchy. */
    private static List<Path> podCgroups() throws java.io.IOException {
        Path kubepods = Path.of("/sys/fs/cgroup/memory", kubelet.cgroupRoot().substring(1), "kubepods");
        List<Path> pods = new ArrayList<>();
        if (Files.isDirectory(kubepods)) {
            try (Stream<Path> s = Files.walk(kubepods, 2)) {
                s.filter(p -> p.getFileName().toString().startsWith("pod")).forEach(pods::add);
            }
        }
        return pods;
    }
}
