package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.Capability;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.ContainerState;
import io.jcri.cri.v1.ContainerStatus;
import io.jcri.cri.v1.ExecSyncResponse;
import io.jcri.cri.v1.Int64Value;
import io.jcri.cri.v1.LinuxContainerConfig;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.cri.v1.LinuxContainerSecurityContext;
import io.jcri.cri.v1.Mount;
import io.jcri.cri.v1.MountPropagation;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.RunPodSandboxRequest;
import io.jcri.cri.v1.SecurityProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Containers through a real jcri under runc and under crun, from an image in a docker-registry on 127.0.0.1:
 * logs, exit codes and reasons, stop signals, security settings as the container sees them, volumes, exec, and
 * that nothing of jcri's process state reaches a container.
 */
class ContainerScenarioTest {
    private static final String IMAGE = "fixtures.jcri.test/e2e/busybox:1";
    private static final String APP_IMAGE = "fixtures.jcri.test/e2e/busybox-app:1";
    private static final List<String> APPLETS = List.of("cat", "echo", "grep", "id", "ls", "mkdir", "mount",
            "ps", "sleep", "touch", "true", "umount", "unshare", "head");

    private static FixtureDaemon fixture;
    private static JcriProcess jcri;
    private static CriClients cri;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(JcriProcess.isRoot(), "e2e container tests need root: skipped");
        assumeTrue(LocalRegistry.available(), "docker-registry is not installed: skipped");
        fixture = FixtureDaemon.start("");
        jcri = fixture.jcri();
        cri = fixture.cri();
        ImageBuilder.Layer busybox = FixtureDaemon.busybox(APPLETS,
                "root:x:0:0:root:/root:/bin/sh\napp:x:1001:1001::/:/bin/sh\n",
                "root:x:0:\napp:x:1001:\nstaff:x:50:app\n");
        fixture.pushAndPull("e2e/busybox", "", busybox);
        fixture.pushAndPull("e2e/busybox-app", "app", busybox);
    }

    @AfterAll
    static void stop() throws Exception {
        if (fixture != null) {
            fixture.keepLog("ContainerScenarioTest");
            Path dir = jcri.dir();
            fixture.close();
            assertThat(Files.readString(Path.of("/proc/self/mountinfo")))
                    .as("mounts left under the daemon's directory").doesNotContain(dir + "/lib");
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

    private static Pod pod(String handler, String name, boolean privileged, Path logDir) {
        PodSandboxConfig.Builder b = Pods.config(name + "-" + handler).setLogDirectory(logDir.toString());
        b.getLinuxBuilder().getSecurityContextBuilder().setPrivileged(privileged);
        PodSandboxConfig config = b.build();
        String id = cri.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config)
                .setRuntimeHandler(handler).build()).getPodSandboxId();
        return new Pod(id, config);
    }

    private static Pod pod(String handler, String name) throws Exception {
        return pod(handler, name, false, Files.createDirectories(jcri.dir().resolve("logs").resolve(name + handler)));
    }

    /** A container that sleeps for an hour in a pod of its own, for tests that look inside. */
    private static String sleeper(String handler, String name) throws Exception {
        Pod pod = pod(handler, name);
        return Containers.run(cri, pod.id(), pod.config(), Containers.config(name, IMAGE, "sleep", "3600"));
    }

    @org.junit.jupiter.api.Test
    void aPodUserNamespaceMapsRootOnCrunAndIsRefusedOnRunc() throws Exception {
        io.jcri.cri.v1.IDMapping map = io.jcri.cri.v1.IDMapping.newBuilder().setHostId(200000).setLength(65536)
                .build();
        PodSandboxConfig.Builder b = Pods.config("userns").setLogDirectory(Files.createDirectories(
                jcri.dir().resolve("logs").resolve("userns")).toString());
        b.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setUsernsOptions(
                io.jcri.cri.v1.UserNamespace.newBuilder().setMode(io.jcri.cri.v1.NamespaceMode.POD).addUids(map)
                        .addGids(map));
        PodSandboxConfig config = b.build();
        // the pod's root (host ID 200000) must be able to reach its rootfs under the state root, as under
        // containerd's 0711 /var/lib/containerd; the temporary directory of the test is 0700
        Files.setPosixFilePermissions(jcri.dir(), java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        assertThatThrownBy(() -> cri.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config)
                .setRuntimeHandler("runc").build())).isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        String pod = cri.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config)
                .setRuntimeHandler("crun").build()).getPodSandboxId();
        String id = Containers.run(cri, pod, config, Containers.config("userns", IMAGE, "sleep", "3600"));
        assertThat(Containers.sh(cri, id, "cat /proc/self/uid_map").strip().split("\\s+"))
                .containsExactly("0", "200000", "65536");
        assertThat(Containers.sh(cri, id, "ls -ln /etc/passwd | { read m l u g r; echo $u:$g; }; touch /etc/new && echo wrote").lines())
                .containsExactly("0:0", "wrote");
        assertThat(cri.runtime().status(io.jcri.cri.v1.StatusRequest.getDefaultInstance()).getRuntimeHandlersList())
                .filteredOn(h -> !h.getName().isEmpty()).allSatisfy(h -> assertThat(h.getFeatures()
                        .getUserNamespaces()).as(h.getName()).isEqualTo(h.getName().equals("crun")));
    }

    private static ContainerConfig.Builder security(ContainerConfig.Builder c,
                                                    LinuxContainerSecurityContext.Builder sc) {
        return c.setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(sc));
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void writesCriLogsAndReportsExitCodesAndReasons(String handler) throws Exception {
        Pod pod = pod(handler, "logs");
        String failing = Containers.run(cri, pod.id(), pod.config(), Containers.config("fails", IMAGE,
                "sh", "-c", "echo to-out; echo to-err >&2; exit 3"));
        String passing = Containers.run(cri, pod.id(), pod.config(), Containers.config("passes", IMAGE, "true"));
        ContainerStatus failed = Containers.awaitExit(cri, failing, Duration.ofSeconds(20));
        ContainerStatus passed = Containers.awaitExit(cri, passing, Duration.ofSeconds(20));
        assertThat(failed.getExitCode()).isEqualTo(3);
        assertThat(failed.getReason()).isEqualTo("Error");
        assertThat(failed.getFinishedAt()).isGreaterThanOrEqualTo(failed.getStartedAt());
        assertThat(failed.getStartedAt()).isGreaterThanOrEqualTo(failed.getCreatedAt());
        assertThat(failed.getImageId()).startsWith("sha256:");
        assertThat(failed.getImageRef()).contains("@sha256:");
        assertThat(passed.getExitCode()).isZero();
        assertThat(passed.getReason()).isEqualTo("Completed");
        List<String> lines = Files.readAllLines(Path.of(failed.getLogPath()));
        assertThat(lines).hasSize(2)
                .anyMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+\\S* stdout F to-out"))
                .anyMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+\\S* stderr F to-err"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void reportsOomKilledAtTheMemoryLimit(String handler) throws Exception {
        Pod pod = pod(handler, "oom");
        ContainerConfig.Builder c = Containers.config("hog", IMAGE, "sh", "-c", "x=aaaaaaaa; while true; do x=$x$x; done")
                .setLinux(LinuxContainerConfig.newBuilder().setResources(LinuxContainerResources.newBuilder()
                        .setMemoryLimitInBytes(32 << 20)));
        ContainerStatus s = Containers.awaitExit(cri, Containers.run(cri, pod.id(), pod.config(), c),
                Duration.ofSeconds(60));
        assertThat(s.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        assertThat(s.getReason()).isEqualTo("OOMKilled");
        assertThat(s.getExitCode()).isEqualTo(137);
        // conmon writes an "oom" marker relative to its working directory: that must be the bundle, never the
        // directory the daemon was started from.
        assertThat(Path.of("/proc/" + jcri.process().pid() + "/cwd/oom")).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void stopsWithTheStopSignalThenSigkill(String handler) throws Exception {
        Pod pod = pod(handler, "stop");
        String trapping = Containers.run(cri, pod.id(), pod.config(), Containers.config("traps", IMAGE, "sh", "-c",
                "trap 'echo got-term; exit 0' TERM; echo ready; while true; do sleep 0.1; done"));
        String ignoring = Containers.run(cri, pod.id(), pod.config(), Containers.config("ignores", IMAGE, "sh", "-c",
                "trap '' TERM; echo ready; while true; do sleep 0.1; done"));
        awaitLog(trapping, "ready");
        awaitLog(ignoring, "ready");
        long t0 = System.nanoTime();
        Containers.stop(cri, trapping, 30);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        ContainerStatus trapped = Containers.status(cri, trapping);
        assertThat(trapped.getExitCode()).isZero();
        assertThat(Files.readString(Path.of(trapped.getLogPath()))).contains("stdout F got-term");
        long t1 = System.nanoTime();
        Containers.stop(cri, ignoring, 2);
        Duration took = Duration.ofNanos(System.nanoTime() - t1);
        assertThat(took).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(8));
        assertThat(Containers.status(cri, ignoring).getExitCode()).isEqualTo(137);
        Containers.stop(cri, ignoring, 2);
    }

    /**
     * Runs a host command (mount, umount) with JDK classes only, so the cleanup in a finally block cannot fail for
     * want of a test class.
     */
    private static void host(String... command) throws Exception {
        Process p = new ProcessBuilder(command).inheritIO().start();
        if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    private static void awaitLog(String id, String text) throws Exception {
        Path log = Path.of(Containers.status(cri, id).getLogPath());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!(Files.exists(log) && Files.readString(log).contains(text)) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void readOnlyRootfsRefusesWritesButNotToVolumes(String handler) throws Exception {
        Pod pod = pod(handler, "ro");
        String id = Containers.run(cri, pod.id(), pod.config(), security(Containers.config("ro", IMAGE, "sleep",
                "3600"), LinuxContainerSecurityContext.newBuilder().setReadonlyRootfs(true)));
        ExecSyncResponse r = Containers.exec(cri, id, 10, "touch", "/new-file");
        assertThat(r.getExitCode()).isNotZero();
        assertThat(r.getStderr().toStringUtf8()).contains("Read-only file system");
        assertThat(Containers.sh(cri, id, "touch /dev/shm/ok && echo done")).isEqualTo("done\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void runsAsTheUserAndGroupsOfTheConfigOrTheImage(String handler) throws Exception {
        Pod pod = pod(handler, "users");
        Path vol = Files.createDirectories(jcri.dir().resolve("users-" + handler));
        Files.writeString(vol.resolve("token"), "t");
        Files.setPosixFilePermissions(vol, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(vol.resolve("token"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        String fromConfig = Containers.run(cri, pod.id(), pod.config(), security(Containers.config("cfg", IMAGE,
                "sleep", "3600").addMounts(Mount.newBuilder().setContainerPath("/var/run/secrets/sa")
                .setHostPath(vol.toString()).setReadonly(true)), LinuxContainerSecurityContext.newBuilder()
                .setRunAsUser(Int64Value.newBuilder().setValue(1234)).setRunAsGroup(Int64Value.newBuilder()
                        .setValue(2345)).addSupplementalGroups(3456)));
        assertThat(Containers.sh(cri, fromConfig, "grep -E '^(Uid|Gid|Groups):' /proc/self/status"))
                .isEqualTo("Uid:\t1234\t1234\t1234\t1234\nGid:\t2345\t2345\t2345\t2345\nGroups:\t2345 3456 \n");
        // the runtime makes missing mount points with the umask it inherits, whatever jcri's own (077)
        assertThat(Containers.sh(cri, fromConfig, "cat /var/run/secrets/sa/token; umask")).as("a volume's "
                + "token under mount points the runtime made, read by a non-root user").isEqualTo("t0022\n");
        String fromImage = Containers.run(cri, pod.id(), pod.config(), Containers.config("img", APP_IMAGE,
                "sleep", "3600"));
        assertThat(Containers.sh(cri, fromImage, "grep -E '^(Uid|Gid|Groups):' /proc/self/status"))
                .isEqualTo("Uid:\t1001\t1001\t1001\t1001\nGid:\t1001\t1001\t1001\t1001\nGroups:\t50 1001 \n");
        assertThat(Containers.status(cri, fromImage).getUser().getLinux().getUid()).isEqualTo(1001);
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void grantsTheCapabilitiesOfTheConfig(String handler) throws Exception {
        Pod pod = pod(handler, "caps");
        String id = Containers.run(cri, pod.id(), pod.config(), security(Containers.config("caps", IMAGE, "sleep",
                "3600"), LinuxContainerSecurityContext.newBuilder().setCapabilities(Capability.newBuilder()
                .addAddCapabilities("NET_ADMIN").addDropCapabilities("CHOWN").addDropCapabilities("KILL"))));
        // containerd's default set (0xa80425fb) plus NET_ADMIN (bit 12), minus CHOWN (bit 0) and KILL (bit 5)
        long expected = (0xa80425fbL | (1L << 12)) & ~1L & ~(1L << 5);
        assertThat(Containers.sh(cri, id, "grep -E '^Cap(Eff|Bnd):' /proc/1/status")).isEqualTo(
                "CapEff:\t%016x\nCapBnd:\t%016x\n".formatted(expected, expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void runtimeDefaultSeccompRefusesUnshare(String handler) throws Exception {
        Pod pod = pod(handler, "seccomp");
        String confined = Containers.run(cri, pod.id(), pod.config(), security(Containers.config("confined", IMAGE,
                "sleep", "3600"), LinuxContainerSecurityContext.newBuilder().setSeccomp(SecurityProfile.newBuilder()
                .setProfileType(SecurityProfile.ProfileType.RuntimeDefault))));
        String unconfined = Containers.run(cri, pod.id(), pod.config(), security(Containers.config("unconfined",
                IMAGE, "sleep", "3600"), LinuxContainerSecurityContext.newBuilder().setSeccomp(SecurityProfile
                .newBuilder().setProfileType(SecurityProfile.ProfileType.Unconfined))));
        ExecSyncResponse refused = Containers.exec(cri, confined, 10, "unshare", "-U", "true");
        assertThat(refused.getExitCode()).isNotZero();
        assertThat(refused.getStderr().toStringUtf8()).contains("Operation not permitted");
        assertThat(Containers.exec(cri, unconfined, 10, "unshare", "-U", "true").getExitCode()).isZero();
        assertThat(Containers.sh(cri, confined, "grep '^Seccomp:' /proc/self/status")).isEqualTo("Seccomp:\t2\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void privilegedSeesHostDevicesAndSharesMountsBothWays(String handler) throws Exception {
        Path vol = Files.createDirectories(jcri.dir().resolve("shared-" + handler));
        Pod pod = pod(handler, "priv", true, Files.createDirectories(jcri.dir().resolve("logs/priv" + handler)));
        // jcri does not change the host's propagation: a volume on a private host mount is refused (the volume
        // is a private mount of its own: this host's / may have been made shared by anyone)
        host("mount", "--bind", vol.toString(), vol.toString());
        host("mount", "--make-private", vol.toString());
        assertThatThrownBy(() -> Containers.create(cri, pod.id(), pod.config(), Containers.config("slave", IMAGE,
                "sleep", "3600").addMounts(Mount.newBuilder().setContainerPath("/mnt/vol")
                .setHostPath(vol.toString()).setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER))))
                .isInstanceOfSatisfying(io.grpc.StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).contains("which is private");
                });
        host("mount", "--make-shared", vol.toString());
        ContainerConfig.Builder c = security(Containers.config("priv", IMAGE, "sleep", "3600")
                .addMounts(Mount.newBuilder().setContainerPath("/mnt/vol").setHostPath(vol.toString())
                        .setPropagation(MountPropagation.PROPAGATION_BIDIRECTIONAL)),
                LinuxContainerSecurityContext.newBuilder().setPrivileged(true));
        String id = Containers.run(cri, pod.id(), pod.config(), c);
        Pod plainPod = pod(handler, "plain");
        String plain = Containers.run(cri, plainPod.id(), plainPod.config(), Containers.config("plain", IMAGE,
                "sleep", "3600"));
        assertThat(Containers.sh(cri, id, "ls /dev")).contains("kmsg");
        assertThat(Containers.sh(cri, plain, "ls /dev")).doesNotContain("kmsg");
        Path fromHost = Files.createDirectories(vol.resolve("from-host"));
        try {
            Containers.sh(cri, id, "mkdir -p /mnt/vol/from-ctr && mount -t tmpfs ctr-tmpfs /mnt/vol/from-ctr");
            assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).contains(vol + "/from-ctr ");
            host("mount", "-t", "tmpfs", "host-tmpfs", fromHost.toString());
            assertThat(Containers.sh(cri, id, "grep -c ' /mnt/vol/from-host ' /proc/self/mountinfo")).isEqualTo("1\n");
        } finally {
            host("umount", "-l", vol.resolve("from-ctr").toString());
            host("umount", "-l", fromHost.toString());
            host("umount", "-l", vol.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void execSyncHonoursItsTimeoutAndLeavesNothingBehind(String handler) throws Exception {
        String id = sleeper(handler, "exec");
        assertThat(Containers.sh(cri, id, "echo hello")).isEqualTo("hello\n");
        ExecSyncResponse code = Containers.exec(cri, id, 10, "sh", "-c", "echo oops >&2; exit 4");
        assertThat(code.getExitCode()).isEqualTo(4);
        assertThat(code.getStderr().toStringUtf8()).isEqualTo("oops\n");
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> Containers.exec(cri, id, 1, "sleep", "4321"))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
        assertThat(Containers.sh(cri, id, "ps -o pid,args")).doesNotContain("4321");
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void containerHoldsNothingOfJcrisProcessState(String handler) throws Exception {
        String id = sleeper(handler, "clean");
        assertThat(Containers.sh(cri, id, "ls /proc/1/fd")).isEqualTo("0\n1\n2\n");
        assertThat(Containers.sh(cri, id, "grep -E '^Sig(Blk|Ign):' /proc/1/status"))
                .isEqualTo("SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
        String limits = Containers.sh(cri, id, "grep 'open files' /proc/1/limits");
        assertThat(limits).matches("Max open files +(\\d+) +\\1 +files +\n");
        assertThat(Containers.status(cri, id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void updatesResourcesOfARunningContainer(String handler) throws Exception {
        String id = sleeper(handler, "update");
        cri.runtime().updateContainerResources(io.jcri.cri.v1.UpdateContainerResourcesRequest.newBuilder()
                .setContainerId(id).setLinux(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(64 << 20)
                        .setCpuQuota(50000).setCpuPeriod(100000)).build());
        assertThat(Containers.sh(cri, id, "cat /sys/fs/cgroup/memory/memory.limit_in_bytes"))
                .isEqualTo((64 << 20) + "\n");
        assertThat(Containers.sh(cri, id, "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us")).isEqualTo("50000\n");
        assertThat(Containers.status(cri, id).getResources().getLinux().getMemoryLimitInBytes()).isEqualTo(64 << 20);
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void reopensTheLogAfterRotation(String handler) throws Exception {
        Pod pod = pod(handler, "rotate");
        String id = Containers.run(cri, pod.id(), pod.config(), Containers.config("rotate", IMAGE, "sh", "-c",
                "i=0; while true; do i=$((i+1)); echo line-$i; sleep 0.1; done"));
        Path log = Path.of(Containers.status(cri, id).getLogPath());
        awaitLog(id, "line-3");
        Path rotated = log.resolveSibling(log.getFileName() + ".1");
        Files.move(log, rotated);
        cri.runtime().reopenContainerLog(io.jcri.cri.v1.ReopenContainerLogRequest.newBuilder().setContainerId(id)
                .build());
        assertThat(log).exists();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Files.readString(log).contains("stdout F line-") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(Files.readString(log)).contains("stdout F line-");
        assertThat(Files.readString(rotated)).contains("stdout F line-1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun"})
    void addsTheDevicesOfTheConfig(String handler) throws Exception {
        Pod pod = pod(handler, "devices");
        String id = Containers.run(cri, pod.id(), pod.config(), Containers.config("devices", IMAGE, "sleep", "3600")
                .addDevices(io.jcri.cri.v1.Device.newBuilder().setHostPath("/dev/null").setContainerPath("/dev/mynull")
                        .setPermissions("rw")));
        assertThat(Containers.sh(cri, id, "ls -l /dev/mynull")).startsWith("crw").contains("1,   3");
        assertThat(Containers.sh(cri, id, "echo x > /dev/mynull && echo written")).isEqualTo("written\n");
    }
}
