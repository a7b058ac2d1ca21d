package io.jcri.runtime.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jcri.cni.CniRequest;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.DNSConfig;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.cri.v1.LinuxPodSandboxConfig;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxFilter;
import io.jcri.cri.v1.PodSandboxMetadata;
import io.jcri.cri.v1.PodSandboxState;
import io.jcri.cri.v1.PodSandboxStateValue;
import io.jcri.cri.v1.PortMapping;
import io.jcri.cri.v1.Protocol;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure parts of a sandbox: files, sysctl policy, the CNI request, CRI views and filters. */
class SandboxPartsTest {
    @Test
    void hostsNamesThePodAndResolvConfFollowsTheDnsConfig() {
        assertThat(PodFiles.hosts("web", "10.88.0.5")).startsWith("127.0.0.1\tlocalhost\n")
                .endsWith("10.88.0.5\tweb\n");
        assertThat(PodFiles.hosts("web", "")).doesNotContain("web");
        assertThat(PodFiles.resolvConf(DNSConfig.newBuilder().addServers("10.0.0.10").addServers("10.0.0.11")
                .addSearches("a.svc").addSearches("svc").addOptions("ndots:5").build()))
                .isEqualTo("search a.svc svc\nnameserver 10.0.0.10\nnameserver 10.0.0.11\noptions ndots:5\n");
    }

    @Test
    void onlyNamespacedSysctlsInNamespacesThePodOwns() {
        SysctlPolicy.check(Map.of("net.ipv4.ip_forward", "1", "kernel.shmmax", "1", "kernel.sem", "1 2 3 4",
                "fs.mqueue.msg_max", "10", "net/ipv4/conf/eth0.1/forwarding", "1"), true, true);
        assertThatThrownBy(() -> SysctlPolicy.check(Map.of("kernel.panic", "1"), true, true))
                .isInstanceOfSatisfying(CriException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining("not namespaced");
        assertThatThrownBy(() -> SysctlPolicy.check(Map.of("net.core.somaxconn", "1"), false, true))
                .hasMessageContaining("host network");
        assertThatThrownBy(() -> SysctlPolicy.check(Map.of("kernel.msgmax", "1"), true, false))
                .hasMessageContaining("IPC");
    }

    @Test
    void sysctlNamesThatClimbOutOfTheirNamespaceAreRefused() {
        for (String name : List.of("net/../kernel/core_pattern", "net/../kernel/ostype", "net/./ipv4/ip_forward",
                "net//ipv4/ip_forward", "net.ipv4..ip_forward", "/net/ipv4/ip_forward", "net/ipv4/",
                "net.ipv4/../../kernel/core_pattern", "net.ipv4/conf", "kernel/shmmax/../../core_pattern",
                "fs/mqueue/../../../kernel/core_pattern", "net", "", "net.ipv4.ip_forward\0", "n".repeat(300))) {
            assertThatThrownBy(() -> SysctlPolicy.check(Map.of(name, "1"), true, true)).as(name)
                    .isInstanceOfSatisfying(CriException.class,
                            e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
        }
        assertThat(SysctlPolicy.components("net/ipv4/conf/eth0.1/forwarding"))
                .containsExactly("net", "ipv4", "conf", "eth0.1", "forwarding");
        assertThatThrownBy(() -> SysctlPolicy.check(Map.of("kernel.shmmax", "1\0"), true, true))
                .hasMessageContaining("NUL");
    }

    @Test
    void cniRequestCarriesPodArgsPortsBandwidthAndDns() {
        PodSandboxConfig cfg = config().addPortMappings(PortMapping.newBuilder().setProtocol(Protocol.UDP)
                        .setContainerPort(53).setHostPort(5353).setHostIp("127.0.0.1"))
                .addPortMappings(PortMapping.newBuilder().setContainerPort(80))
                .putAnnotations(SandboxNetwork.INGRESS_BANDWIDTH, "10M")
                .setDnsConfig(DNSConfig.newBuilder().addServers("10.0.0.10")).build();
        CniRequest r = SandboxNetwork.request("id1", "/run/netns/id1", cfg, "10.244.1.0/24");
        assertThat(r.args()).containsEntry("K8S_POD_NAME", "p").containsEntry("K8S_POD_NAMESPACE", "ns")
                .containsEntry("K8S_POD_UID", "u").containsEntry("K8S_POD_INFRA_CONTAINER_ID", "id1");
        assertThat(r.ifName()).isEqualTo("eth0");
        assertThat(r.capabilityArgs().get("portMappings")).isEqualTo(List.of(Map.of("hostPort", 5353,
                "containerPort", 53, "protocol", "udp", "hostIP", "127.0.0.1")));
        assertThat(r.capabilityArgs().get("bandwidth")).isEqualTo(Map.of("ingressRate", 10_000_000L,
                "ingressBurst", (long) Integer.MAX_VALUE));
        assertThat(r.capabilityArgs()).containsKey("dns");
        assertThat(r.capabilityArgs().get("ipRanges")).isEqualTo(List.of(List.of(Map.of("subnet",
                "10.244.1.0/24"))));
        assertThat(SandboxNetwork.request("id1", "/n", config().build(), "").capabilityArgs()).isEmpty();
        assertThat(SandboxNetwork.bitsPerSecond("a", "1Gi")).isEqualTo(1L << 30);
        assertThat(SandboxNetwork.bitsPerSecond("a", "1.5k")).isEqualTo(1500);
        assertThatThrownBy(() -> SandboxNetwork.bitsPerSecond("a", "fast")).isInstanceOf(
                CriException.class);
    }

    @Test
    void recordsBecomeCriMessagesAndFiltersMatchLikeTheSpecSays() {
        SandboxRecord r = new SandboxRecord(new SandboxRecord.Meta("abcdef", "p", "ns", "u", 1, 42,
                Map.of("app", "x"), Map.of("a", "b"), config().build().toByteArray(), "crun", "/run/netns/abcdef",
                null, null, "p", "h", "hosts", "resolv", null, "/jcri/pod-abcdef", ""),
                new SandboxRecord.Status(SandboxState.READY, "10.0.0.2", List.of("fd00::2"), 0, null));
        assertThat(SandboxViews.summary(r).getRuntimeHandler()).isEqualTo("crun");
        assertThat(SandboxViews.status(r).getNetwork().getAdditionalIps(0).getIp()).isEqualTo("fd00::2");
        assertThat(SandboxViews.status(r).getMetadata().getAttempt()).isEqualTo(1);
        assertThat(SandboxViews.state(r.withState(SandboxState.CREATING))).isEqualTo(
                PodSandboxState.SANDBOX_NOTREADY);
        assertThat(SandboxViews.info(r)).contains("\"netnsPath\":\"/run/netns/abcdef\"").contains("\"config\"");
        assertThat(SandboxViews.matches(r, PodSandboxFilter.newBuilder().setId("abc").build())).isTrue();
        assertThat(SandboxViews.matches(r, PodSandboxFilter.newBuilder().setId("abd").build())).isFalse();
        assertThat(SandboxViews.matches(r, PodSandboxFilter.newBuilder().putLabelSelector("app", "y").build()))
                .isFalse();
        assertThat(SandboxViews.matches(r, PodSandboxFilter.newBuilder().setState(PodSandboxStateValue
                .newBuilder().setState(PodSandboxState.SANDBOX_NOTREADY)).build())).isFalse();
        assertThat(r.config().getMetadata().getName()).isEqualTo("p");
    }

    @Test
    void unusableConfigsAreInvalidArgumentsBeforeAnythingIsMade() {
        SandboxConfigCheck.check(config().setHostname("web-0").addPortMappings(PortMapping.newBuilder()
                .setContainerPort(80).setHostPort(8080).setHostIp("127.0.0.1")).build());
        List<PodSandboxConfig.Builder> bad = List.of(
                config().clearMetadata(),
                config().setHostname("a/b"),
                config().addPortMappings(PortMapping.newBuilder().setContainerPort(70000)),
                config().addPortMappings(PortMapping.newBuilder().setHostPort(-1)),
                config().addPortMappings(PortMapping.newBuilder().setContainerPort(80).setHostIp("host name")),
                config().setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent("/a/../b")),
                config().setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent("x".repeat(300))),
                config().setLinux(LinuxPodSandboxConfig.newBuilder().setResources(
                        LinuxContainerResources.newBuilder().setCpuShares(-5))),
                config().setLinux(LinuxPodSandboxConfig.newBuilder().setOverhead(
                        LinuxContainerResources.newBuilder().setCpusetCpus("all"))),
                config().setLinux(LinuxPodSandboxConfig.newBuilder().putSysctls("vm.swappiness", "1")));
        for (PodSandboxConfig.Builder b : bad) {
            assertThatThrownBy(() -> SandboxConfigCheck.check(b.build())).as(b.build().toString())
                    .isInstanceOfSatisfying(CriException.class,
                            e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
        }
    }

    @Test
    void metadataThatWouldInjectCniArgsIsAnInvalidArgumentBeforeAnythingIsMade() {
        List<PodSandboxMetadata.Builder> bad = List.of(
                PodSandboxMetadata.newBuilder().setName("x;IgnoreUnknown=false").setNamespace("ns").setUid("u"),
                PodSandboxMetadata.newBuilder().setName("p").setNamespace("ns;K8S_POD_NAME=other").setUid("u"),
                PodSandboxMetadata.newBuilder().setName("p").setNamespace("ns").setUid("u=1"));
        for (PodSandboxMetadata.Builder md : bad) {
            assertThatThrownBy(() -> SandboxConfigCheck.check(config().setMetadata(md).build())).as(md.toString())
                    .isInstanceOfSatisfying(CriException.class,
                            e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
        }
    }

    private static PodSandboxConfig.Builder config() {
        return PodSandboxConfig.newBuilder().setMetadata(PodSandboxMetadata.newBuilder().setName("p")
                .setNamespace("ns").setUid("u"));
    }
}
