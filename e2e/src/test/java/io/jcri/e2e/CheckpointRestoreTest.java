package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.CheckpointContainerRequest;
import io.jcri.cri.v1.ContainerState;
import io.jcri.cri.v1.ListContainersRequest;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.StatusRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CheckpointContainer and restore with CRIU (the one scripts/install-deps.sh provides) on runc: a shell counting
 * in memory is checkpointed to an archive that checkpointctl reads, restored in another pod where the count goes
 * on from where it was and the files of its writable layer are there, and survives a daemon restart; the same
 * through crictl and an image made from the archive, pulled from a registry; an archive in CRI-O's layout; a
 * listening server in another network namespace; a container with an established TCP connection, a stopped one
 * and a corrupt archive are refused and leave nothing behind.
 */
class CheckpointRestoreTest {
    private static final String IMAGE = "fixtures.jcri.test/e2e/busybox-criu:1";
    private static final List<String> APPLETS = List.of("sh", "sleep", "cat", "echo", "head", "tr", "rm", "mkdir",
            "httpd", "wget", "nc", "netstat");
    private static final Path CHECKPOINTCTL = Path.of("/opt/jcri/criu/bin/checkpointctl");
    private static final Pattern COUNT = Pattern.compile("stdout F count (\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static FixtureDaemon fixture;
    private static JcriProcess jcri;
    private static CriClients cri;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(JcriProcess.isRoot(), "e2e checkpoint tests need root: skipped");
        assumeTrue(LocalRegistry.available(), "docker-registry is not installed: skipped");
        fixture = FixtureDaemon.start("");
        jcri = fixture.jcri();
        cri = fixture.cri();
        fixture.pushAndPull("e2e/busybox-criu", "",
                FixtureDaemon.busybox(APPLETS, "root:x:0:0:root:/root:/bin/sh\n", "root:x:0:\n"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (fixture != null) {
            fixture.keepLog("CheckpointRestoreTest");
            fixture.close();
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
                jcri.dir().resolve("logs").resolve(name)).toString()).build();
        return new Pod(Pods.run(cri, config), config);
    }

    /** Runs a shell in {@code pod} that writes /tmp/written, then prints "count N" ten times a second. */
    private static String counter(Pod pod) {
        return counting(pod, "counter", "echo kept > /tmp/written");
    }

    /** Runs container {@code name}, a shell that runs {@code first}, then prints "count N" ten times a second. */
    private static String counting(Pod pod, String name, String first) {
        return Containers.run(cri, pod.id(), pod.config(), Containers.config(name, IMAGE, "sh", "-c",
                first + "\ni=0; while :; do i=$((i+1)); echo count $i; sleep 0.1; done"));
    }

    /** The highest count in the container's CRI log; 0 before the first line. */
    private static long lastCount(String id) throws Exception {
        Path log = Path.of(Containers.status(cri, id).getLogPath());
        long last = 0;
        for (String line : Files.readAllLines(log)) {
            Matcher m = COUNT.matcher(line);
            if (m.find()) {
                last = Math.max(last, Long.parseLong(m.group(1)));
            }
        }
        return last;
    }

    private static long awaitCount(String id, long atLeast) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long seen;
        while ((seen = lastCount(id)) < atLeast && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return seen;
    }

    private static void checkpoint(String id, Path archive) {
        cri.runtime().checkpointContainer(CheckpointContainerRequest.newBuilder().setContainerId(id)
                .setLocation(archive.toString()).setTimeout(120).build());
    }

    /** The first line of a checkpointctl run's output that mentions {@code text}, with its exit code checked. */
    private static String checkpointctl(String verb, Path archive) throws Exception {
        Process p = new ProcessBuilder(CHECKPOINTCTL.toString(), verb, archive.toString()).redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("checkpointctl %s: %s", verb, out).isZero();
        return out;
    }

    @Test
    void aCountingContainerGoesOnCountingInAnotherPodAndAfterARestart() throws Exception {
        assertThat(cri.runtime().status(StatusRequest.newBuilder().setVerbose(true).build()).getInfoMap()
                .get("checkpoint")).contains("\"enabled\":true");
        Pod first = pod("criu-first");
        String counter = Containers.run(cri, first.id(), first.config(), Containers.config("counter", IMAGE, "sh",
                "-c", "echo kept > /tmp/written; rm /etc/group; i=0; while :; do i=$((i+1)); echo count $i;"
                        + " sleep 0.1; done"));
        long before = awaitCount(counter, 10);
        Path archive = jcri.dir().resolve("counter.tar");

        long t0 = System.nanoTime();
        checkpoint(counter, archive);
        long t1 = System.nanoTime();

        assertThat(Containers.status(cri, counter).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        long atCheckpoint = lastCount(counter);
        assertThat(awaitCount(counter, atCheckpoint + 3)).as("the checkpointed container keeps running")
                .isGreaterThan(atCheckpoint);
        try (Stream<Path> left = Files.list(archive.getParent())) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("partial"));
        }
        assertThat(checkpointctl("show", archive)).contains("counter").contains("runc");
        assertThat(checkpointctl("inspect", archive)).contains("counter");

        Pod second = pod("criu-second");
        long t2 = System.nanoTime();
        String restored = Containers.run(cri, second.id(), second.config(), Containers.config("counter-restored",
                archive.toString()));
        System.out.printf("checkpoint of a small container: %d ms (archive %d kB); restore (create and start): %d ms%n",
                (t1 - t0) / 1_000_000, Files.size(archive) / 1000, (System.nanoTime() - t2) / 1_000_000);

        assertThat(restored).isNotEqualTo(counter);
        assertThat(Containers.status(cri, restored).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertThat(Containers.status(cri, restored).getMetadata().getName()).isEqualTo("counter-restored");
        long resumedAt = awaitCount(restored, 1);
        assertThat(resumedAt).as("the count goes on from the checkpoint, not from zero")
                .isGreaterThanOrEqualTo(before);
        assertThat(Containers.sh(cri, restored, "cat /tmp/written")).isEqualTo("kept\n");
        assertThat(Containers.exec(cri, restored, 10, "cat", "/etc/group").getExitCode()).isNotZero();

        jcri.kill();
        jcri.launch();
        try (CriClients after = jcri.client()) {
            assertThat(after.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList())
                    .filteredOn(c -> c.getId().equals(restored)).singleElement()
                    .satisfies(c -> assertThat(c.getState()).isEqualTo(ContainerState.CONTAINER_RUNNING));
        }
        long afterRestart = lastCount(restored);
        assertThat(awaitCount(restored, afterRestart + 3)).isGreaterThan(afterRestart);
    }

    /**
     * What a user moving a container does: {@code crictl checkpoint --export}, {@code checkpointctl show}, the
     * archive made into an OCI image as {@code checkpointctl build} and buildah make one (the archive as its one
     * layer, the manifest annotated {@code org.criu.checkpoint.container.name}), pushed to a registry, pulled with
     * crictl and named as the image of a container in another pod: that container is the checkpointed one.
     */
    @Test
    void aCrictlExportMadeIntoAnImageIsRestoredFromTheRegistryInAnotherPod() throws Exception {
        Pod first = pod("criu-crictl");
        String counter = counter(first);
        long before = awaitCount(counter, 10);
        Path archive = jcri.dir().resolve("crictl-export.tar");
        Crictl crictl = Crictl.against(jcri.endpoint());

        assertThat(crictl.run("checkpoint", "--export=" + archive, counter)).contains(counter);

        assertThat(Containers.status(cri, counter).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertThat(checkpointctl("show", archive)).contains("counter");
        fixture.builder().push("e2e/counter-checkpoint", "1", List.of(ImageBuilder.tarLayer(Files.readAllBytes(
                archive))), java.util.Map.of("org.criu.checkpoint.container.name", "counter"));
        String image = FixtureDaemon.REGISTRY + "/e2e/counter-checkpoint:1";
        crictl.run("pull", image);
        Pod second = pod("criu-from-image");
        String restored = Containers.run(cri, second.id(), second.config(), Containers.config("counter-from-image",
                image));

        assertThat(Containers.status(cri, restored).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertThat(awaitCount(restored, 1)).as("the count goes on from the checkpoint, not from zero")
                .isGreaterThanOrEqualTo(before);
        assertThat(Containers.sh(cri, restored, "cat /tmp/written")).isEqualTo("kept\n");
    }

    /**
     * A server listening on TCP (no connection open) is checkpointed and restored in another pod, whose network
     * namespace is another one: it listens there and answers.
     */
    @Test
    void aListeningServerIsRestoredInAnotherPodsNetworkNamespace() throws Exception {
        Pod first = pod("criu-listen");
        String server = counting(first, "server", "mkdir -p /www; echo served > /www/index.html;"
                + " httpd -f -p 8080 -h /www &");
        awaitCount(server, 5);
        assertThat(Containers.sh(cri, server, "wget -qO- http://127.0.0.1:8080/index.html")).isEqualTo("served\n");
        Path archive = jcri.dir().resolve("server.tar");
        checkpoint(server, archive);
        Pod second = pod("criu-listen-restored");

        String restored = Containers.run(cri, second.id(), second.config(), Containers.config("server-restored",
                archive.toString()));

        assertThat(Containers.status(cri, restored).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertThat(Containers.sh(cri, restored, "wget -qO- http://127.0.0.1:8080/index.html"))
                .isEqualTo("served\n");
    }

    /**
     * A container holding an established TCP connection is not checkpointed, as CRI-O does not checkpoint one (a
     * restore in another pod could not keep it): FAILED_PRECONDITION naming the cause, the container running on,
     * no archive and nothing of the attempt left.
     */
    @Test
    void aContainerWithAnEstablishedTcpConnectionIsRefusedAndKeepsRunning() throws Exception {
        Pod pod = pod("criu-connected");
        // both ends in the container; each nc's stdin a pipe that stays open, as nc ends at end of input
        String connected = counting(pod, "connected", "(while :; do sleep 1; done) | nc -l -p 9000 > /dev/null &"
                + " sleep 0.5; (while :; do echo x; sleep 1; done) | nc 127.0.0.1 9000 > /dev/null &");
        awaitCount(connected, 5);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Containers.sh(cri, connected, "netstat -tn").contains("ESTABLISHED")
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(Containers.sh(cri, connected, "netstat -tn")).contains("ESTABLISHED");
        Path archive = jcri.dir().resolve("connected.tar");

        assertThatThrownBy(() -> checkpoint(connected, archive)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).contains("established TCP connection");
                });

        assertRunsOnAndNothingIsLeft(connected, archive);
    }

    /** The container is running and counting, and its checkpoint left no archive, partial file or staging. */
    private static void assertRunsOnAndNothingIsLeft(String id, Path archive) throws Exception {
        assertThat(Containers.status(cri, id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        long now = lastCount(id);
        assertThat(awaitCount(id, now + 3)).as("it keeps running").isGreaterThan(now);
        assertThat(archive).doesNotExist();
        try (Stream<Path> left = Files.list(archive.getParent())) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("partial"));
        }
        assertThat(jcri.dir().resolve("lib").resolve("containers").resolve(id).resolve("checkpoint.partial"))
                .doesNotExist();
    }

    /**
     * An archive in CRI-O's layout that jcri did not write: the CRIU images and writable layer of a jcri checkpoint
     * with config.dump and spec.dump as CRI-O writes them (CRI-O's annotations, the image ID without its algorithm,
     * no cri-config.pb). checkpointctl reads it as CRI-O's; jcri restores it from spec.dump and config.dump.
     */
    @Test
    void anArchiveInCrioLayoutIsRestored() throws Exception {
        Pod first = pod("criu-crio");
        String counter = counter(first);
        long before = awaitCount(counter, 10);
        Path ours = jcri.dir().resolve("for-crio.tar");
        checkpoint(counter, ours);
        String imageId = cri.images().imageStatus(io.jcri.cri.v1.ImageStatusRequest.newBuilder().setImage(
                io.jcri.cri.v1.ImageSpec.newBuilder().setImage(IMAGE)).build()).getImage().getId();
        Path crio = jcri.dir().resolve("crio-layout.tar");
        asCrioWritesIt(ours, crio, imageId.substring("sha256:".length()));

        assertThat(checkpointctl("show", crio)).contains("CRI-O").contains("counter");
        Pod second = pod("criu-crio-restored");
        String restored = Containers.run(cri, second.id(), second.config(), Containers.config("from-crio",
                crio.toString()));

        assertThat(Containers.status(cri, restored).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertThat(awaitCount(restored, 1)).isGreaterThanOrEqualTo(before);
        assertThat(Containers.sh(cri, restored, "cat /tmp/written")).isEqualTo("kept\n");
    }

    /** Copies jcri's archive {@code from} with config.dump and spec.dump rewritten as CRI-O writes them. */
    private static void asCrioWritesIt(Path from, Path to, String imageHex) throws Exception {
        try (var in = new TarArchiveInputStream(Files.newInputStream(from));
             var out = new TarArchiveOutputStream(Files.newOutputStream(to))) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                byte[] body = in.readAllBytes();
                if (e.getName().equals("cri-config.pb")) {
                    continue;
                }
                if (e.getName().equals("config.dump")) {
                    ObjectNode c = (ObjectNode) JSON.readTree(body);
                    c.put("rootfsImage", imageHex).put("rootfsImageRef", imageHex).put("rootfsImageName", IMAGE);
                    body = JSON.writeValueAsBytes(c);
                } else if (e.getName().equals("spec.dump")) {
                    ObjectNode spec = (ObjectNode) JSON.readTree(body);
                    spec.putObject("annotations").put("io.container.manager", "cri-o")
                            .put("io.kubernetes.cri-o.Metadata", "{\"name\":\"counter\"}")
                            .put("io.kubernetes.cri-o.ContainerName", "k8s_counter_criu-crio_e2e_0")
                            .put("io.kubernetes.cri-o.Created", "2026-01-01T00:00:00Z")
                            .put("io.kubernetes.cri-o.Labels", "{}").put("io.kubernetes.cri-o.Annotations", "{}")
                            .put("io.kubernetes.pod.name", "criu-crio").put("io.kubernetes.pod.namespace", "e2e");
                    body = JSON.writeValueAsBytes(spec);
                }
                e.setSize(body.length);
                out.putArchiveEntry(e);
                out.write(body);
                out.closeArchiveEntry();
            }
        }
    }

    /**
     * A shell holding 200 MiB in a variable is checkpointed and restored with its memory (the restored one still
     * prints the variable's length). Prints how long checkpoint and restore took, for the figures in the notes;
     * nothing is asserted on them.
     */
    @Test
    void aContainerHolding200MiBIsRestoredWithItsMemory() throws Exception {
        Pod first = pod("criu-big");
        String big = Containers.run(cri, first.id(), first.config(), Containers.config("big", IMAGE, "sh", "-c",
                "v=$(head -c 209715200 /dev/zero | tr '\\0' a); i=0; while :; do i=$((i+1)); echo count $i ${#v};"
                        + " sleep 0.2; done"));
        awaitCount(big, 2);
        Path archive = jcri.dir().resolve("big.tar");

        long t0 = System.nanoTime();
        checkpoint(big, archive);
        long t1 = System.nanoTime();
        Pod second = pod("criu-big-restored");
        String restored = Containers.create(cri, second.id(), second.config(), Containers.config("big-restored",
                archive.toString()));
        long t2 = System.nanoTime();
        cri.runtime().startContainer(io.jcri.cri.v1.StartContainerRequest.newBuilder().setContainerId(restored)
                .build());
        long t3 = System.nanoTime();

        awaitCount(restored, 1);
        assertThat(Files.readString(Path.of(Containers.status(cri, restored).getLogPath())))
                .contains(" 209715200\n");
        System.out.printf("checkpoint of a 200 MiB container: %d ms (archive %d MB); restore: %d ms (create %d ms,"
                        + " start %d ms)%n", (t1 - t0) / 1_000_000, Files.size(archive) / 1_000_000,
                (t3 - t1) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);
    }

    @Test
    void aCheckpointInterruptedByTheDaemonsDeathLeavesTheContainerRunningAndNoArchive() throws Exception {
        Pod pod = pod("criu-killed");
        String counter = Containers.run(cri, pod.id(), pod.config(), Containers.config("counter", IMAGE, "sh", "-c",
                "i=0; while :; do i=$((i+1)); echo count $i; sleep 0.1; done"));
        awaitCount(counter, 3);
        Path archive = jcri.dir().resolve("killed.tar");
        jcri.kill();
        jcri.launch(java.util.Map.of("JCRI_FAULT", "container.checkpoint-before-rename"));
        try (CriClients c = jcri.client()) {
            assertThatThrownBy(() -> c.runtime().checkpointContainer(CheckpointContainerRequest.newBuilder()
                    .setContainerId(counter).setLocation(archive.toString()).build()))
                    .isInstanceOf(StatusRuntimeException.class);
        }
        jcri.process().waitFor();

        jcri.launch();

        assertRunsOnAndNothingIsLeft(counter, archive);
    }

    @Test
    void aStoppedContainerIsNotCheckpointedAndACorruptArchiveIsNotRestored() throws Exception {
        Pod pod = pod("criu-refused");
        String done = Containers.run(cri, pod.id(), pod.config(), Containers.config("done", IMAGE, "sh", "-c",
                "exit 0"));
        Containers.awaitExit(cri, done, Duration.ofSeconds(30));
        Path archive = jcri.dir().resolve("done.tar");

        assertThatThrownBy(() -> checkpoint(done, archive)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
        assertThat(archive).doesNotExist();

        Path corrupt = jcri.dir().resolve("corrupt.tar");
        Files.write(corrupt, "not a checkpoint archive at all, just bytes".repeat(100).getBytes());
        List<String> dirsBefore = containerDirs();
        assertThatThrownBy(() -> Containers.create(cri, pod.id(), pod.config(), Containers.config("from-corrupt",
                corrupt.toString()))).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        assertThat(cri.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList())
                .extracting(c -> c.getMetadata().getName()).doesNotContain("from-corrupt");
        assertThat(containerDirs()).isEqualTo(dirsBefore);
    }

    private static List<String> containerDirs() throws Exception {
        try (Stream<Path> s = Files.list(jcri.dir().resolve("lib").resolve("containers"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
