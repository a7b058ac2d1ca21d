package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.RuntimeCondition;
import io.jcri.cri.v1.StatusRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * CNI plugins that fail or hang, behind the real bridge plugin: the plugin's error or the timeout reaches the
 * caller, and what the bridge already did (veth, IP) is undone. Also: a network configured after start is used
 * without a restart.
 */
class CniFailureTest {
    private static final String CGROUP_PARENT = "/jcri-e2e-cni";

    @Test
    void failingAndHangingPluginsReachTheCallerAndLeakNothing() throws Exception {
        assumeTrue(JcriProcess.isRoot(), "e2e tests need root (namespaces, mounts, cgroups): skipped");
        Path dir = Files.createTempDirectory("jcri-e2e-cni-");
        try (ScratchNetwork net = new ScratchNetwork(dir, "jcri-e2e-cni", 93);
             JcriProcess jcri = JcriProcess.start(net.toml(2) + "[runtime]\ncgroup_parent = \"" + CGROUP_PARENT
                     + "\"\n");
             CriClients client = jcri.client()) {
            try {
                HostFootprint before = HostFootprint.measure(jcri.dir(), net, CGROUP_PARENT);
                net.addPlugin("failing", """
                        cat >/dev/null
                        [ "$CNI_COMMAND" = ADD ] || exit 0
                        echo '{"cniVersion":"1.0.0","code":11,"msg":"quota exceeded for e2e","details":"try later"}'
                        exit 1
                        """);
                net.addPlugin("hanging", """
                        cat >/dev/null
                        [ "$CNI_COMMAND" = ADD ] || exit 0
                        sleep 60
                        """);
                useChain(net, "failing");
                assertThatThrownBy(() -> Pods.run(client, Pods.config("f").build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
                            assertThat(e.getStatus().getDescription())
                                    .contains("quota exceeded for e2e: try later");
                        });
                assertThat(HostFootprint.measure(jcri.dir(), net, CGROUP_PARENT)).isEqualTo(before);

                useChain(net, "hanging");
                long start = System.nanoTime();
                assertThatThrownBy(() -> Pods.run(client, Pods.config("h").build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                            assertThat(e.getStatus().getDescription()).contains("hanging").contains("2s");
                        });
                assertThat((System.nanoTime() - start) / 1_000_000_000L).isLessThan(20);
                assertThat(HostFootprint.measure(jcri.dir(), net, CGROUP_PARENT)).isEqualTo(before);
                assertThat(client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                        .getItemsList()).isEmpty();
                assertThat(Pods.lines(Pods.exec(10, "pgrep", "-f", dir.toString()).output())).isEmpty();
            } finally {
                Pods.removeAll(client);
            }
        } finally {
            Pods.removeCgroupParent(CGROUP_PARENT);
        }
    }

    @Test
    void networkNotReadyUntilAConfigAppearsThenUsedWithoutRestart() throws Exception {
        assumeTrue(JcriProcess.isRoot(), "e2e tests need root (namespaces, mounts, cgroups): skipped");
        Path dir = Files.createTempDirectory("jcri-e2e-cnilate-");
        try (ScratchNetwork net = new ScratchNetwork(dir, "jcri-e2e-late", 94)) {
            Path conf = dir.resolve("net.d");
            Path held = dir.resolve("held.conflist");
            Files.move(conf.resolve("10-jcri-e2e-late.conflist"), held);
            try (JcriProcess jcri = JcriProcess.start(net.toml(20));
                 CriClients client = jcri.client()) {
                try {
                    assertThat(networkReady(client).getStatus()).isFalse();
                    assertThat(networkReady(client).getMessage()).contains(conf.toString());
                    assertThatThrownBy(() -> Pods.run(client, Pods.config("early").build()))
                            .hasMessageContaining("no CNI configuration");
                    Files.move(held, conf.resolve("10-jcri-e2e-late.conflist"));
                    assertThat(networkReady(client).getStatus()).isTrue();
                    String id = Pods.run(client, Pods.config("late").build());
                    assertThat(Pods.status(client, id).getNetwork().getIp()).startsWith("10.94.0.");
                } finally {
                    Pods.removeAll(client);
                }
            }
        }
    }

    private static RuntimeCondition networkReady(CriClients client) {
        return client.runtime().status(StatusRequest.getDefaultInstance()).getStatus().getConditionsList().stream()
                .filter(c -> c.getType().equals("NetworkReady")).findFirst().orElseThrow();
    }

    /** Replaces the network with bridge then {@code plugin}, so the bridge has made a veth and an IP first. */
    private static void useChain(ScratchNetwork net, String plugin) throws Exception {
        net.writeConflist("10-" + net.name() + ".conflist", """
                {"cniVersion":"1.0.0","name":"%s","plugins":[
                 {"type":"bridge","bridge":"%s","isGateway":true,"ipMasq":true,
                  "ipam":{"type":"host-local","ranges":[[{"subnet":"10.93.0.0/24"}]]}},
                 {"type":"%s"}]}
                """.formatted(net.name(), net.bridge(), plugin));
    }
}
