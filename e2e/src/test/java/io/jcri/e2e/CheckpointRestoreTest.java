package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CheckpointContainer and restore with CRIU (the one scripts/install-deps.sh provides) on runc: a shell counting
 * in memory is checkpointed to an archive that checkpointctl reads, restored in another pod where the count goes
 * on from where it was and the files of its writable layer are there, and survives a daemon restart; a stopped
 * container and a corrupt archive are refused and leave nothing behind.
 */
class CheckpointRestoreTest {
    private static final String IMAGE = "fixtures.jcri.test/e2e/busybox-criu:1";
    private static final List<String> APPLETS = List.of("sh", "sleep", "cat", "echo", "head", "tr", "rm");
    private static final Path CHECKPOINTCTL = Path.of("/opt/jcri/criu/bin/checkpointctl");
    private static final Pattern COUNT = Pattern.compile("stdout F count (\\d+)");

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

        assertThat(Containers.status(cri, counter).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        long now = lastCount(counter);
        assertThat(awaitCount(counter, now + 3)).isGreaterThan(now);
        assertThat(archive).doesNotExist();
        try (Stream<Path> left = Files.list(archive.getParent())) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("partial"));
        }
        assertThat(jcri.dir().resolve("lib").resolve("containers").resolve(counter).resolve("checkpoint.partial"))
                .doesNotExist();
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
