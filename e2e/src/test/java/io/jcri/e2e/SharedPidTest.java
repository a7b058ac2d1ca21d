package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.ContainerMetadata;
import io.jcri.cri.v1.CreateContainerRequest;
import io.jcri.cri.v1.ExecSyncRequest;
import io.jcri.cri.v1.ExecSyncResponse;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.cri.v1.StartContainerRequest;
import io.jcri.e2e.ImageBuilder.Compression;
import io.jcri.e2e.ImageBuilder.Format;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A pod that shares one PID namespace (shareProcessNamespace): its containers see each other's processes and the
 * infra process as PID 1; a pod that does not share sees only its own container's processes.
 */
class SharedPidTest {
    private static final String IMAGE = "fixtures.jcri.test/e2e/busybox:pid";

    @Test
    void containersOfASharedPidPodSeeEachOthersProcesses() throws Exception {
        assumeTrue(JcriProcess.isRoot(), "e2e tests need root (namespaces, mounts, cgroups): skipped");
        assumeTrue(LocalRegistry.available(), "docker-registry is not installed: skipped");
        Path dir = Files.createTempDirectory("jcri-e2e-pid-");
        try (LocalRegistry registry = LocalRegistry.start();
             ScratchNetwork net = new ScratchNetwork(dir, "jcri-e2e-pid", 97)) {
            new ImageBuilder(registry.host(), null).push("e2e/busybox", "pid", Format.OCI,
                    List.of(ImageBuilder.busyboxLayer(Compression.GZIP, Format.OCI)), "", List.of("sh"));
            Path conf = dir.resolve("registries.conf");
            Files.writeString(conf, """
                    [[registry]]
                    prefix = "fixtures.jcri.test"
                    location = "%s"
                    insecure = true
                    """.formatted(registry.host()));
            try (JcriProcess jcri = JcriProcess.start(net.toml(20) + "[image]\nregistries_conf = \"" + conf + "\"\n");
                 CriClients c = jcri.client()) {
                try {
                    c.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder()
                            .setImage(IMAGE)).build());
                    String shared = ps(c, NamespaceMode.POD, "shared");
                    assertThat(shared).contains("catatonit").contains("sleep 1001").contains("sleep 1002");
                    String own = ps(c, NamespaceMode.CONTAINER, "own");
                    assertThat(own).doesNotContain("catatonit").doesNotContain("sleep 1001")
                            .contains("sleep 1002");
                } finally {
                    Pods.removeAll(c);
                }
            }
        }
    }

    /** Runs a pod with two sleeping containers and answers {@code ps} as the second one sees it. */
    private static String ps(CriClients c, NamespaceMode pidMode, String name) {
        PodSandboxConfig.Builder cfg = Pods.config(name);
        cfg.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setPid(pidMode);
        PodSandboxConfig pod = cfg.build();
        String sandbox = Pods.run(c, pod);
        String last = null;
        for (String seconds : List.of("1001", "1002")) {
            ContainerConfig.Builder cc = ContainerConfig.newBuilder()
                    .setMetadata(ContainerMetadata.newBuilder().setName("sleep" + seconds))
                    .setImage(ImageSpec.newBuilder().setImage(IMAGE)).addCommand("/bin/busybox").addArgs("sleep").addArgs(seconds);
            cc.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setPid(pidMode);
            last = c.runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(sandbox)
                    .setConfig(cc).setSandboxConfig(pod).build()).getContainerId();
            c.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(last).build());
        }
        ExecSyncResponse r = c.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(last)
                .addAllCmd(List.of("/bin/busybox", "ps", "-o", "pid,args")).setTimeout(10).build());
        assertThat(r.getExitCode()).as(r.getStderr().toStringUtf8()).isZero();
        return r.getStdout().toStringUtf8();
    }
}
