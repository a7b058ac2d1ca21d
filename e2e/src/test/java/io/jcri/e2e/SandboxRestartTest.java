package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxState;
import io.jcri.cri.v1.PodSandboxStatusRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Sandboxes outlive the daemon: the infra process and pinned namespaces survive a restart, and the restarted
 * daemon stops and removes them completely. Also the crictl pod commands against a live daemon.
 */
class SandboxRestartTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CGROUP_PARENT = "/jcri-e2e-restart";

    @Test
    void podSurvivesADaemonRestartAndIsThenTornDown() throws Exception {
        assumeTrue(JcriProcess.isRoot(), "e2e tests need root (namespaces, mounts, cgroups): skipped");
        Path dir = Files.createTempDirectory("jcri-e2e-restart-");
        try (ScratchNetwork net = new ScratchNetwork(dir, "jcri-e2e-rst", 95);
             JcriProcess jcri = JcriProcess.start(net.toml(20) + "[runtime]\ncgroup_parent = \"" + CGROUP_PARENT
                     + "\"\n")) {
            HostFootprint before = HostFootprint.measure(jcri.dir(), net, CGROUP_PARENT);
            PodSandboxConfig.Builder cfg = Pods.config("survivor");
            cfg.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setPid(NamespaceMode.POD);
            String id;
            int pid;
            try (CriClients c = jcri.client()) {
                id = Pods.run(c, cfg.build());
                pid = info(c, id).path("pid").asInt();
            }
            jcri.stop();
            assertThat(Files.readString(Path.of("/proc/" + pid + "/cmdline"))).contains("catatonit");
            jcri.launch();
            try (CriClients c = jcri.client()) {
                assertThat(Pods.status(c, id).getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
                assertThat(info(c, id).path("pid").asInt()).isEqualTo(pid);
                String ip = Pods.status(c, id).getNetwork().getIp();
                assertThat(Pods.exec(10, "busybox", "ping", "-c", "1", "-W", "2", ip).exit()).isZero();
                Pods.stopAndRemove(c, id);
            }
            assertThat(Files.exists(Path.of("/proc/" + pid + "/cmdline"))
                    && Files.readString(Path.of("/proc/" + pid + "/cmdline")).contains("catatonit")).isFalse();
            assertThat(HostFootprint.measure(jcri.dir(), net, CGROUP_PARENT)).isEqualTo(before);
        } finally {
            Pods.removeCgroupParent(CGROUP_PARENT);
        }
    }

    @Test
    void daemonKilledDuringCniAddIsCleanedUpByRecovery() throws Exception {
        assumeTrue(JcriProcess.isRoot(), "e2e tests need root (namespaces, mounts, cgroups): skipped");
        Path dir = Files.createTempDirectory("jcri-e2e-crash-");
        Path marker = dir.resolve("adding.pid");
        try (ScratchNetwork net = new ScratchNetwork(dir, "jcri-e2e-crash", 98);
             JcriProcess jcri = JcriProcess.start(net.toml(120) + "[runtime]\ncgroup_parent = \"" + CGROUP_PARENT
                     + "\"\n")) {
            HostFootprint before = HostFootprint.measure(jcri.dir(), net, CGROUP_PARENT);
            net.addPlugin("slow", """
                    cat >/dev/null
                    [ "$CNI_COMMAND" = ADD ] || exit 0
                    echo $$ > %s
                    exec sleep 60
                    """.formatted(marker));
            net.writeConflist("10-" + net.name() + ".conflist", """
                    {"cniVersion":"1.0.0","name":"%s","plugins":[
                     {"type":"bridge","bridge":"%s","ipam":{"type":"host-local","ranges":[[{"subnet":"%s0/24"}]]}},
                     {"type":"slow"}]}
                    """.formatted(net.name(), net.bridge(), net.subnetPrefix()));
            Thread caller = Thread.ofVirtual().start(() -> {
                try (CriClients c = jcri.client()) {
                    Pods.run(c, Pods.config("crashed").build());
                } catch (RuntimeException expected) {
                    // The daemon dies under the call.
                }
            });
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!Files.exists(marker) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(marker).exists();
            jcri.process().destroyForcibly().waitFor();
            Pods.exec(5, "kill", "-9", Files.readString(marker).strip());
            caller.join();
            assertThat(HostFootprint.measure(jcri.dir(), net, CGROUP_PARENT).veths()).isEqualTo(1);

            Files.deleteIfExists(jcri.socket());
            jcri.launch();
            try (CriClients c = jcri.client()) {
                assertThat(c.runtime().listPodSandbox(io.jcri.cri.v1.ListPodSandboxRequest.getDefaultInstance())
                        .getItemsList()).isEmpty();
            }
            assertThat(HostFootprint.measure(jcri.dir(), net, CGROUP_PARENT)).isEqualTo(before);
            assertThat(jcri.logText()).contains("found CREATING at start");
        } finally {
            Pods.removeCgroupParent(CGROUP_PARENT);
        }
    }

    @Test
    void crictlRunsListsInspectsStopsAndRemovesPods() throws Exception {
        assumeTrue(JcriProcess.isRoot(), "e2e tests need root (namespaces, mounts, cgroups): skipped");
        Path dir = Files.createTempDirectory("jcri-e2e-crictl-");
        try (ScratchNetwork net = new ScratchNetwork(dir, "jcri-e2e-cctl", 96);
             JcriProcess jcri = JcriProcess.start(net.toml(20))) {
            Crictl crictl = Crictl.against(jcri.endpoint());
            Path pod = dir.resolve("pod.json");
            Files.writeString(pod, """
                    {"metadata":{"name":"cctl","namespace":"e2e","uid":"cctl-uid","attempt":0},
                     "hostname":"cctl","linux":{}}
                    """);
            String id = crictl.run("runp", pod.toString()).strip();
            assertThat(id).matches("[0-9a-f]{64}");
            assertThat(crictl.run("pods", "-q")).contains(id);
            JsonNode inspect = JSON.readTree(crictl.run("inspectp", id.substring(0, 12)));
            assertThat(inspect.path("status").path("state").asText()).isEqualTo("SANDBOX_READY");
            assertThat(inspect.path("status").path("network").path("ip").asText()).startsWith("10.96.0.");
            assertThat(inspect.path("info").path("netnsPath").asText()).contains(id);
            assertThat(crictl.run("stopp", id)).contains("Stopped sandbox " + id);
            assertThat(crictl.run("pods", "--state", "NotReady", "-q")).contains(id);
            assertThat(crictl.run("rmp", id)).contains("Removed sandbox " + id);
            assertThat(crictl.run("pods", "-q")).doesNotContain(id);
        }
    }

    private static JsonNode info(CriClients c, String id) throws Exception {
        return JSON.readTree(c.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id)
                .setVerbose(true).build()).getInfoMap().get("info"));
    }
}
