package io.jcri.runtime.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jcri.cni.CniConfigLoader;
import io.jcri.cni.CniInvoker;
import io.jcri.cni.CniResultCache;
import io.jcri.cni.NetworkAttacher;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.LinuxPodSandboxConfig;
import io.jcri.cri.v1.LinuxSandboxSecurityContext;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.NamespaceOption;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxMetadata;
import io.jcri.cri.v1.PodSandboxState;
import io.jcri.cri.v1.PodSandboxStatus;
import io.jcri.oci.cgroup.CgroupDriver;
import io.jcri.oci.cgroup.CgroupLayout;
import io.jcri.oci.cgroup.CgroupManager;
import io.jcri.oci.ns.NsType;
import io.jcri.oci.ns.PodNamespaces;
import io.jcri.runtime.state.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sandbox state machine (run with its undo, stop, remove, recovery) without root: namespaces are a fake, the
 * network is the real CNI attacher driving a fake plugin (a shell script), the cgroup manager has no hierarchies,
 * and pods share the host's IPC and give each container its own PID namespace (no shm mount, no infra process).
 */
class SandboxServiceTest {
    private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");
    private static final long NOW_NANOS = NOW.getEpochSecond() * 1_000_000_000L;

    @TempDir
    Path dir;
    private Path cniLog;
    private StateStore<SandboxRecord> store;
    private final FakeNamespaces namespaces = new FakeNamespaces();
    private final List<String> containerCalls = new CopyOnWriteArrayList<>();
    private SandboxService service;

    @BeforeEach
    void setUp() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("cni/bin"));
        Path conf = Files.createDirectories(dir.resolve("cni/conf"));
        cniLog = dir.resolve("cni.log");
        Path plugin = bin.resolve("fake");
        Files.writeString(plugin, """
                #!/bin/sh
                cat >/dev/null
                echo "$CNI_COMMAND $CNI_CONTAINERID $CNI_NETNS" >> %s
                if [ "$CNI_COMMAND" = ADD ]; then
                  if [ -e %s ]; then
                    echo '{"cniVersion":"1.0.0","code":11,"msg":"no more addresses"}'; exit 1
                  fi
                  echo '{"cniVersion":"1.0.0","ips":[{"address":"10.1.0.5/24"}]}'
                fi
                """.formatted(cniLog, dir.resolve("cni-full")));
        Files.setPosixFilePermissions(plugin, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(conf.resolve("10-fake.conflist"),
                "{\"cniVersion\":\"1.0.0\",\"name\":\"fake\",\"plugins\":[{\"type\":\"fake\"}]}");
        store = StateStore.open(dir.resolve("sandboxes"), SandboxRecord.SHAPE);
        service = newService();
    }

    private SandboxService newService() {
        CniConfigLoader cni = new CniConfigLoader(dir.resolve("cni/conf"), List.of(dir.resolve("cni/bin")));
        NetworkAttacher attacher = new NetworkAttacher(cni, new CniInvoker(cni, Duration.ofSeconds(10)),
                new CniResultCache(dir.resolve("cni/results"), (file, bytes) -> {
                    Files.createDirectories(file.getParent());
                    Files.write(file, bytes);
                }));
        SandboxService s = new SandboxService(new SandboxSettings(dir.resolve("run"), Set.of("runc"), "runc",
                "/jcri", "catatonit", Set.of()), store, namespaces,
                new CgroupManager(new CgroupLayout(false, List.of()), CgroupDriver.CGROUPFS), attacher, () -> "",
                (id, sandboxId, type, at) -> { }, Clock.fixed(NOW, ZoneOffset.UTC));
        s.recover(new PodContainers() {
            @Override
            public void stopAll(String sandboxId) {
                containerCalls.add("stopAll " + sandboxId);
            }

            @Override
            public void removeAll(String sandboxId) {
                containerCalls.add("removeAll " + sandboxId);
            }

            @Override
            public List<io.jcri.cri.v1.ContainerStatus> statuses(String sandboxId) {
                return List.of(io.jcri.cri.v1.ContainerStatus.newBuilder().setId("c-of-" + sandboxId).build());
            }
        });
        return s;
    }

    @Test
    void runMakesAReadyPodWithItsNamespacesAddressAndFiles() throws Exception {
        String id = service.run(config("web"), "");
        PodSandboxStatus st = service.status(id, false).getStatus();
        assertThat(st.getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
        assertThat(st.getNetwork().getIp()).isEqualTo("10.1.0.5");
        assertThat(st.getCreatedAt()).isEqualTo(NOW_NANOS);
        var evented = service.status(id, false);
        assertThat(evented.getTimestamp()).as("evented PLEG: timestamp with the containers").isEqualTo(NOW_NANOS);
        assertThat(evented.getContainersStatusesList()).extracting(io.jcri.cri.v1.ContainerStatus::getId)
                .containsExactly("c-of-" + id);
        assertThat(namespaces.pinned.get(id)).containsExactlyInAnyOrder(NsType.NET, NsType.UTS);
        assertThat(namespaces.hostnames.get(id)).isEqualTo("web");
        assertThat(Files.readAllLines(cniLog)).containsExactly("ADD " + id + " " + namespaces.path(NsType.NET, id));
        assertThat(Files.readString(store.dirOf(id).resolve("hosts"))).contains("10.1.0.5\tweb");
        assertThat(Files.readString(store.dirOf(id).resolve("hostname"))).isEqualTo("web\n");
    }

    @Test
    void aRunWhoseNetworkFailsUndoesWhatItMadeAndCanBeRetried() throws Exception {
        Files.createFile(dir.resolve("cni-full"));
        assertThatThrownBy(() -> service.run(config("web"), "")).isInstanceOf(CriException.class)
                .hasMessageContaining("no more addresses");
        assertThat(store.all()).isEmpty();
        assertThat(namespaces.pinned).isEmpty();
        assertThat(Files.readAllLines(cniLog)).hasSize(2).last().asString().startsWith("DEL ");
        Files.delete(dir.resolve("cni-full"));
        assertThat(service.status(service.run(config("web"), ""), false).getStatus().getState())
                .isEqualTo(PodSandboxState.SANDBOX_READY);
    }

    @Test
    void nothingIsMadeForAConfigThatCannotWork() {
        PodSandboxConfig climbing = config("web").toBuilder().setLinux(config("web").getLinux().toBuilder()
                .putSysctls("net/../kernel/core_pattern", "|/tmp/x")).build();
        assertThatThrownBy(() -> service.run(climbing, "")).isInstanceOfSatisfying(CriException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
        assertThatThrownBy(() -> service.run(config("web"), "kata")).isInstanceOfSatisfying(
                CriException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
        assertThat(namespaces.calls).isEmpty();
        assertThat(cniLog).doesNotExist();
        assertThat(store.all()).isEmpty();
    }

    @Test
    void aSecondPodWithTheSameMetadataIsAlreadyExists() {
        service.run(config("web"), "");
        assertThatThrownBy(() -> service.run(config("web"), "")).isInstanceOfSatisfying(
                CriException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.ALREADY_EXISTS));
    }

    @Test
    void stopStopsTheContainersThenTheNetworkAndCanBeRepeated() throws Exception {
        String id = service.run(config("web"), "");
        service.stop(id);
        assertThat(containerCalls).containsExactly("stopAll " + id);
        assertThat(service.status(id, false).getStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
        assertThat(Files.readAllLines(cniLog)).last().asString().startsWith("DEL " + id);
        service.stop(id);
        service.stop("nosuch");
        assertThat(Files.readAllLines(cniLog).stream().filter(l -> l.startsWith("DEL"))).hasSize(1);
        assertThatThrownBy(() -> service.whileReady(id, r -> r)).isInstanceOfSatisfying(
                CriException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION));
    }

    @Test
    void removeTakesEverythingAwayAndCanBeRepeated() {
        String id = service.run(config("web"), "");
        service.remove(id);
        assertThat(containerCalls).containsExactly("removeAll " + id);
        assertThat(namespaces.pinned).isEmpty();
        assertThat(store.all()).isEmpty();
        assertThatThrownBy(() -> service.status(id, false)).isInstanceOfSatisfying(CriException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND));
        service.remove(id);
        // The name is free again: kubelet may make the pod anew.
        assertThat(service.run(config("web"), "")).isNotEqualTo(id);
    }

    @Test
    void recoveryUndoesHalfMadePodsAndMarksThoseWhoseNamespacesAreGone() throws Exception {
        String halfMade = service.run(config("half"), "");
        store.update(store.get(halfMade).orElseThrow().withState(SandboxState.CREATING));
        String lost = service.run(config("lost"), "");
        namespaces.lose(lost);
        String intact = service.run(config("intact"), "");
        // killed between the first record's metadata and its status: nothing but the directory was made
        Files.createDirectories(store.dirOf("torn"));
        Files.writeString(store.dirOf("torn").resolve("meta.json"), "{}");

        containerCalls.clear();
        SandboxService restarted = newService();

        assertThat(containerCalls).containsExactly("removeAll " + halfMade);
        assertThat(store.get(halfMade)).isEmpty();
        assertThat(namespaces.pinned).doesNotContainKey(halfMade);
        assertThat(restarted.status(lost, false).getStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
        assertThat(restarted.status(intact, false).getStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
        assertThat(store.dirOf("torn")).doesNotExist();
    }

    private static PodSandboxConfig config(String name) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("ns").setUid("uid-" + name))
                .setLinux(LinuxPodSandboxConfig.newBuilder().setSecurityContext(LinuxSandboxSecurityContext
                        .newBuilder().setNamespaceOptions(NamespaceOption.newBuilder()
                                .setIpc(NamespaceMode.NODE).setPid(NamespaceMode.CONTAINER))))
                .build();
    }

    /** Namespaces as files in the test's directory: pinned is a file existing, so a test can lose one. */
    private final class FakeNamespaces implements PodNamespaces {
        final Map<String, Set<NsType>> pinned = new ConcurrentHashMap<>();
        final Map<String, String> hostnames = new ConcurrentHashMap<>();
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Override
        public Path path(NsType type, String id) {
            return dir.resolve("ns").resolve(type.name().toLowerCase() + "-" + id);
        }

        @Override
        public Map<NsType, Path> pin(String id, Set<NsType> types, String hostname) {
            calls.add("pin " + id);
            pinned.put(id, Set.copyOf(types));
            hostnames.put(id, hostname);
            Map<NsType, Path> out = new java.util.EnumMap<>(NsType.class);
            for (NsType t : types) {
                try {
                    out.put(t, Files.createFile(Files.createDirectories(path(t, id).getParent())
                            .resolve(path(t, id).getFileName())));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            return out;
        }

        @Override
        public void unpin(String id) {
            calls.add("unpin " + id);
            pinned.remove(id);
            for (NsType t : NsType.values()) {
                try {
                    Files.deleteIfExists(path(t, id));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }

        @Override
        public void applySysctls(String id, Map<NsType, Path> namespaces, Map<String, String> sysctls) {
            calls.add("sysctls " + id + " " + sysctls);
        }

        /** The host rebooted: the pins are gone, the record is not. */
        void lose(String id) {
            unpin(id);
        }
    }
}
