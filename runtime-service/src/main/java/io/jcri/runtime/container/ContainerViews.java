package io.jcri.runtime.container;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcri.cri.v1.Container;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.ContainerFilter;
import io.jcri.cri.v1.ContainerMetadata;
import io.jcri.cri.v1.ContainerResources;
import io.jcri.cri.v1.ContainerState;
import io.jcri.cri.v1.ContainerStatus;
import io.jcri.cri.v1.ContainerStatusResponse;
import io.jcri.cri.v1.ContainerUser;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.LinuxContainerUser;
import java.io.IOException;

/** A container record as CRI shows it: the list entry, the status, and the filter of ListContainers. */
final class ContainerViews {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ContainerViews() {
    }

    static ContainerState state(ContainerRecord r) {
        return switch (r.state()) {
            case CREATED -> ContainerState.CONTAINER_CREATED;
            case RUNNING -> ContainerState.CONTAINER_RUNNING;
            case EXITED -> ContainerState.CONTAINER_EXITED;
        };
    }

    static Container container(ContainerRecord r) {
        ContainerRecord.Meta m = r.meta();
        return Container.newBuilder().setId(r.id()).setPodSandboxId(r.sandboxId()).setMetadata(metadata(r))
                .setImage(ImageSpec.newBuilder().setImage(m.image())).setImageRef(m.imageRef())
                .setImageId(m.imageId()).setState(state(r))
                .setCreatedAt(m.createdAt()).putAllLabels(m.labels()).putAllAnnotations(m.annotations()).build();
    }

    static boolean matches(ContainerRecord r, ContainerFilter f) {
        if (f == null) {
            return true;
        }
        if (!f.getId().isEmpty() && !r.id().startsWith(f.getId())) {
            return false;
        }
        if (!f.getPodSandboxId().isEmpty() && !r.sandboxId().startsWith(f.getPodSandboxId())) {
            return false;
        }
        if (f.hasState() && f.getState().getState() != state(r)) {
            return false;
        }
        return f.getLabelSelectorMap().entrySet().stream()
                .allMatch(e -> e.getValue().equals(r.meta().labels().get(e.getKey())));
    }

    static ContainerStatusResponse status(ContainerRecord r, boolean verbose, String ociSpec) {
        var config = r.config();
        ContainerRecord.Meta m = r.meta();
        ContainerRecord.Status st = r.status();
        ContainerStatus.Builder s = ContainerStatus.newBuilder().setId(r.id()).setMetadata(metadata(r))
                .setState(state(r)).setCreatedAt(m.createdAt()).setStartedAt(st.startedAt())
                .setFinishedAt(st.finishedAt()).setExitCode(st.exitCode()).setImage(imageSpec(r, config))
                .setImageRef(m.imageRef()).setImageId(m.imageId()).setReason(st.reason()).setMessage(st.message())
                .putAllLabels(m.labels()).putAllAnnotations(m.annotations()).addAllMounts(config.getMountsList())
                .setLogPath(m.logPath())
                .setResources(ContainerResources.newBuilder().setLinux(r.resources()))
                .setUser(ContainerUser.newBuilder().setLinux(LinuxContainerUser.newBuilder().setUid(m.uid())
                        .setGid(m.gid()).addAllSupplementalGroups(m.supplementalGroups())))
                .setStopSignal(Signals.toCri(m.stopSignal()));
        ContainerStatusResponse.Builder out = ContainerStatusResponse.newBuilder().setStatus(s);
        if (verbose) {
            ObjectNode info = JSON.createObjectNode();
            info.put("sandboxID", r.sandboxId());
            info.put("pid", st.pid());
            info.put("runtimeHandler", m.runtimeHandler());
            if (ociSpec != null) {
                try {
                    info.set("runtimeSpec", JSON.readTree(ociSpec));
                } catch (IOException e) {
                    info.put("runtimeSpecError", e.getMessage());
                }
            }
            out.putInfo("info", info.toString());
        }
        return out.build();
    }

    private static ContainerMetadata metadata(ContainerRecord r) {
        return ContainerMetadata.newBuilder().setName(r.meta().name()).setAttempt(r.meta().attempt()).build();
    }

    /** The image by name (the ID kubelet sent is image_id), with the rest of the spec as kubelet sent it. */
    private static ImageSpec imageSpec(ContainerRecord r, ContainerConfig config) {
        return config.getImage().toBuilder().setImage(r.meta().image()).build();
    }
}
