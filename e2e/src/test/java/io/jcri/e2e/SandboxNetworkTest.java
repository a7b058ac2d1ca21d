package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxFilter;
import io.jcri.cri.v1.PodSandboxState;
import io.jcri.cri.v1.PodSandboxStateValue;
import io.jcri.cri.v1.PodSandboxStatus;
import io.jcri.cri.v1.PodSandboxStatusRequest;
import io.jcri.cri.v1.PortMapping;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.RunPodSandboxRequest;
import io.jcri.cri.v1.StopPodSandboxRequest;
import io.jcri.cri.v1.StreamPodSandboxesRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pod sandboxes with real namespaces and the real CNI plugins, on a bridge network of the test's own: IPs,
 * pod-to-pod traffic, host ports, hostname and DNS files, PID sharing, name reservations. No packet leaves the
 * machine: pods talk to each other and to the host.
 */
class SandboxNetworkTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CGROUP_PARENT = "/jcri-e2e-net";
    private static JcriProcess jcri;
    private static ScratchNetwork net;
    private static CriClients client;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(JcriProcess.isRoot(), "e2e tests need root (namespaces, mounts, cgroups): skipped");
        Path dir = Files.createTempDirectory("jcri-e2e-net-");
        net = new ScratchNetwork(dir, "jcri-e2e-net", 91);
        jcri = JcriProcess.start(net.toml(20) + "[runtime]\ncgroup_parent = \"" + CGROUP_PARENT + "\"\n");
        client = jcri.client();
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            Pods.removeAll(client);
            client.close();
        }
        if (jcri != null) {
            jcri.close();
        }
        if (net != null) {
            net.close();
        }
        Pods.removeCgroupParent(CGROUP_PARENT);
    }

    @AfterEach
    void cleanUp() {
        Pods.removeAll(client);
    }

    @Test
    void podGetsAnIpOnTheBridgeWithHostnameHostsAndDnsAsAsked() throws Exception {
        String id = Pods.run(client, Pods.withDns(Pods.config("web"), "10.91.0.53", "e2e.svc.local")
                .setHostname("web-host").putLabels("app", "web").putAnnotations("note", "x").build());
        PodSandboxStatus s = Pods.status(client, id);
        assertThat(s.getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
        assertThat(s.getNetwork().getIp()).startsWith("10.91.0.");
        assertThat(s.getLabelsMap()).containsEntry("app", "web");
        assertThat(s.getAnnotationsMap()).containsEntry("note", "x");
        assertThat(s.getRuntimeHandler()).isEqualTo("runc");

        JsonNode info = verboseInfo(id);
        String netns = info.path("netnsPath").asText();
        assertThat(Pods.sh("nsenter --net=" + netns + " ip -4 -o addr show eth0")).contains(s.getNetwork().getIp());
        assertThat(Pods.sh("nsenter --uts=" + info.path("utsnsPath").asText() + " hostname").strip())
                .isEqualTo("web-host");
        assertThat(Files.readString(Path.of(info.path("hostnamePath").asText()))).isEqualTo("web-host\n");
        assertThat(Files.readString(Path.of(info.path("hostsPath").asText())))
                .contains("127.0.0.1\tlocalhost").contains(s.getNetwork().getIp() + "\tweb-host");
        assertThat(Files.readString(Path.of(info.path("resolvConfPath").asText())))
                .isEqualTo("search e2e.svc.local\nnameserver 10.91.0.53\noptions ndots:2\n");
        assertThat(Pods.sh("findmnt -n -o FSTYPE,OPTIONS " + info.path("shmPath").asText()))
                .contains("tmpfs").contains("size=65536k");
        // The pod's namespaces are not the daemon's.
        assertThat(Files.getAttribute(Path.of(netns), "unix:ino"))
                .isNotEqualTo(Files.getAttribute(Path.of("/proc/self/ns/net"), "unix:ino"));
    }

    @Test
    void twoPodsReachEachOtherAndTheHostReachesAServerBehindAHostPort() throws Exception {
        String a = Pods.run(client, Pods.config("a").addPortMappings(PortMapping.newBuilder()
                .setContainerPort(8080).setHostPort(18091)).build());
        String b = Pods.run(client, Pods.config("b").build());
        String ipA = Pods.status(client, a).getNetwork().getIp();
        // The footprint the leak tests count is really there while pods run.
        HostFootprint during = HostFootprint.measure(jcri.dir(), net, CGROUP_PARENT);
        assertThat(during.veths()).isEqualTo(2);
        assertThat(during.ipamReservations()).isEqualTo(2);
        assertThat(during.mounts()).isEqualTo(8);
        assertThat(during.podCgroups()).isPositive();
        assertThat(during.iptablesRules()).isGreaterThanOrEqualTo(6);
        String nsB = verboseInfo(b).path("netnsPath").asText();
        assertThat(Pods.exec(10, "nsenter", "--net=" + nsB, "busybox", "ping", "-c", "1", "-W", "2", ipA).exit())
                .isZero();

        String nsA = verboseInfo(a).path("netnsPath").asText();
        Process server = new ProcessBuilder("nsenter", "--net=" + nsA, "busybox", "nc", "-l", "-p", "8080", "-e",
                "echo", "hello-from-pod").start();
        try {
            String hostIp = "10.91.0.1";
            Pods.Result r = null;
            for (int i = 0; i < 20 && (r == null || !r.output().contains("hello-from-pod")); i++) {
                Thread.sleep(100);
                r = Pods.exec(5, "sh", "-c", "echo x | busybox nc -w 2 " + hostIp + " 18091");
            }
            assertThat(r.output()).contains("hello-from-pod");
        } finally {
            server.destroyForcibly().waitFor();
        }
    }

    @Test
    void sharedPidNamespaceHasAnInfraProcessAsPidOneThatStopKills() throws Exception {
        PodSandboxConfig.Builder cfg = Pods.config("pidpod");
        cfg.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setPid(NamespaceMode.POD);
        String id = Pods.run(client, cfg.build());
        JsonNode info = verboseInfo(id);
        int pid = info.path("pid").asInt();
        assertThat(pid).isPositive();
        assertThat(Files.readString(Path.of("/proc/" + pid + "/status"))).containsPattern("NSpid:\\s+" + pid
                + "\\s+1\\n");
        assertThat(Files.getAttribute(Path.of("/proc/" + pid + "/ns/net"), "unix:ino"))
                .isEqualTo(Files.getAttribute(Path.of(info.path("netnsPath").asText()), "unix:ino"));
        assertThat(Files.readString(Path.of("/proc/" + pid + "/cgroup"))).contains(CGROUP_PARENT + "/pod-" + id);
        client.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        assertThat(Pods.status(client, id).getState()).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
        assertThat(Files.exists(Path.of("/proc/" + pid + "/exe")) && Files.readSymbolicLink(
                Path.of("/proc/" + pid + "/exe")).toString().contains("catatonit")).isFalse();
    }

    @Test
    void hostNetworkPodSkipsCniAndUsesTheHostNamespaces() throws Exception {
        PodSandboxConfig.Builder cfg = Pods.config("hostnet");
        cfg.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder()
                .setNetwork(NamespaceMode.NODE).setIpc(NamespaceMode.NODE);
        String id = Pods.run(client, cfg.build());
        PodSandboxStatus s = Pods.status(client, id);
        assertThat(s.getNetwork().getIp()).isEmpty();
        assertThat(s.getLinux().getNamespaces().getOptions().getNetwork()).isEqualTo(NamespaceMode.NODE);
        JsonNode info = verboseInfo(id);
        assertThat(info.path("netnsPath").isNull()).isTrue();
        assertThat(info.path("shmPath").isNull()).isTrue();
    }

    @Test
    void duplicateIsAlreadyExistsAndConcurrentRetriesJoinTheFirstRun() throws Exception {
        PodSandboxConfig cfg = Pods.config("dup").build();
        List<Future<String>> calls = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 6; i++) {
                calls.add(pool.submit(() -> Pods.run(client, cfg)));
            }
            Set<String> ids = new java.util.HashSet<>();
            for (Future<String> f : calls) {
                ids.add(f.get());
            }
            assertThat(ids).hasSize(1);
        }
        assertThatThrownBy(() -> Pods.run(client, cfg)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));
        assertThat(client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount())
                .isEqualTo(1);
    }

    @Test
    void invalidRequestsAreRefusedAndUnknownIdsAreFineToStopAndRemove() {
        expectCode(Status.Code.INVALID_ARGUMENT, () -> client.runtime().runPodSandbox(RunPodSandboxRequest
                .newBuilder().setConfig(Pods.config("h")).setRuntimeHandler("kata").build()));
        expectCode(Status.Code.INVALID_ARGUMENT, () -> Pods.run(client, Pods.config("s").setLinux(
                Pods.config("s").getLinux().toBuilder().putSysctls("kernel.panic", "1")).build()));
        expectCode(Status.Code.INVALID_ARGUMENT, () -> Pods.run(client, Pods.config("").build()));
        expectCode(Status.Code.NOT_FOUND, () -> client.runtime().podSandboxStatus(
                PodSandboxStatusRequest.newBuilder().setPodSandboxId("feedbeef").build()));
        client.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId("feedbeef").build());
        client.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId("feedbeef").build());
    }

    @Test
    void listFiltersByIdPrefixStateAndLabelsAndStreamsTheSame() {
        String a = Pods.run(client, Pods.config("la").putLabels("tier", "front").build());
        String b = Pods.run(client, Pods.config("lb").putLabels("tier", "back").build());
        client.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(b).build());
        assertThat(list(PodSandboxFilter.newBuilder().setId(a.substring(0, 12)).build())).containsExactly(a);
        assertThat(list(PodSandboxFilter.newBuilder().putLabelSelector("tier", "back").build())).containsExactly(b);
        assertThat(list(PodSandboxFilter.newBuilder().setState(PodSandboxStateValue.newBuilder()
                .setState(PodSandboxState.SANDBOX_READY)).build())).containsExactly(a);
        List<String> streamed = new ArrayList<>();
        client.runtime().streamPodSandboxes(StreamPodSandboxesRequest.getDefaultInstance())
                .forEachRemaining(r -> r.getPodSandboxesList().forEach(p -> streamed.add(p.getId())));
        assertThat(streamed).containsExactlyInAnyOrder(a, b);
        // A unique prefix works wherever an id does.
        assertThat(Pods.status(client, a.substring(0, 12)).getId()).isEqualTo(a);
    }

    private static List<String> list(PodSandboxFilter f) {
        return client.runtime().listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(f).build())
                .getItemsList().stream().map(p -> p.getId()).toList();
    }

    private static JsonNode verboseInfo(String id) throws Exception {
        return JSON.readTree(client.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                .setPodSandboxId(id).setVerbose(true).build()).getInfoMap().get("info"));
    }

    private static void expectCode(Status.Code code, Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code));
    }
}
