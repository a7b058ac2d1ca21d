package io.jcri.e2e;

import io.jcri.cri.CriClients;
import io.jcri.cri.v1.Container;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.ContainerMetadata;
import io.jcri.cri.v1.ContainerState;
import io.jcri.cri.v1.ContainerStatus;
import io.jcri.cri.v1.ContainerStatusRequest;
import io.jcri.cri.v1.CreateContainerRequest;
import io.jcri.cri.v1.ExecSyncRequest;
import io.jcri.cri.v1.ExecSyncResponse;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.ListContainersRequest;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.RemoveContainerRequest;
import io.jcri.cri.v1.StartContainerRequest;
import io.jcri.cri.v1.StopContainerRequest;
import java.time.Duration;
import java.util.List;

/** Container configs and calls for the e2e tests. */
final class Containers {
    private Containers() {
    }

    static ContainerConfig.Builder config(String name, String image, String... command) {
        return ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(image)).addAllCommand(List.of(command))
                .setLogPath(name + ".log");
    }

    static String create(CriClients c, String podId, PodSandboxConfig pod, ContainerConfig.Builder config) {
        return c.runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(podId)
                .setConfig(config).setSandboxConfig(pod).build()).getContainerId();
    }

    static String run(CriClients c, String podId, PodSandboxConfig pod, ContainerConfig.Builder config) {
        String id = create(c, podId, pod, config);
        c.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    static ContainerStatus status(CriClients c, String id) {
        return c.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build())
                .getStatus();
    }

    /** Waits for the container to exit and returns its status. */
    static ContainerStatus awaitExit(CriClients c, String id, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            ContainerStatus s = status(c, id);
            if (s.getState() == ContainerState.CONTAINER_EXITED || System.nanoTime() > deadline) {
                return s;
            }
            Thread.sleep(50);
        }
    }

    static ExecSyncResponse exec(CriClients c, String id, long timeoutSeconds, String... cmd) {
        return c.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(id).addAllCmd(List.of(cmd))
                .setTimeout(timeoutSeconds).build());
    }

    /** The stdout of a command that must exit 0. */
    static String sh(CriClients c, String id, String script) {
        ExecSyncResponse r = exec(c, id, 30, "sh", "-c", script);
        if (r.getExitCode() != 0) {
            throw new IllegalStateException(script + " exited " + r.getExitCode() + ": "
                    + r.getStderr().toStringUtf8());
        }
        return r.getStdout().toStringUtf8();
    }

    static void stop(CriClients c, String id, long timeout) {
        c.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(timeout).build());
    }

    /** Removes every container the daemon knows; for cleanup, also after a failure. */
    static void removeAll(CriClients c) {
        for (Container ct : c.runtime().listContainers(ListContainersRequest.getDefaultInstance())
                .getContainersList()) {
            c.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(ct.getId()).build());
        }
    }
}
