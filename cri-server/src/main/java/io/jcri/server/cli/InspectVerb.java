package io.jcri.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.MessageOrBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ContainerStatusRequest;
import io.jcri.cri.v1.ContainerStatusResponse;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.ImageStatusRequest;
import io.jcri.cri.v1.ImageStatusResponse;
import io.jcri.cri.v1.PodSandboxStatusRequest;
import io.jcri.cri.v1.PodSandboxStatusResponse;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jcri inspect ID}: a container, pod or image (looked up in that order) as JSON. */
@Command(name = "inspect", description = "Print a container, pod or image (ID, unique ID prefix or image name) as "
        + "JSON.")
public final class InspectVerb extends ClientVerb {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(paramLabel = "ID", description = "Container or pod ID (or a unique prefix), or an image reference.")
    String id;

    @Override
    int run(CriClients cri) throws IOException {
        Optional<ObjectNode> found = container(cri).or(() -> pod(cri)).or(() -> image(cri));
        if (found.isEmpty()) {
            throw new CliException("no container, pod or image '" + id + "' (jcri ps -a, jcri pods and jcri images "
                    + "list them)");
        }
        out().println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(found.get()));
        out().flush();
        return 0;
    }

    private Optional<ObjectNode> container(CriClients cri) {
        return unlessNotFound(() -> {
            ContainerStatusResponse r = cri.runtime().containerStatus(ContainerStatusRequest.newBuilder()
                    .setContainerId(id).setVerbose(true).build());
            return Optional.of(document("container", r.getStatus(), r.getInfoMap()));
        });
    }

    private Optional<ObjectNode> pod(CriClients cri) {
        return unlessNotFound(() -> {
            PodSandboxStatusResponse r = cri.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                    .setPodSandboxId(id).setVerbose(true).build());
            return Optional.of(document("pod", r.getStatus(), r.getInfoMap()));
        });
    }

    private Optional<ObjectNode> image(CriClients cri) {
        return unlessNotFound(() -> {
            ImageStatusResponse r = cri.images().imageStatus(ImageStatusRequest.newBuilder()
                    .setImage(ImageSpec.newBuilder().setImage(id)).setVerbose(true).build());
            return r.hasImage() ? Optional.of(document("image", r.getImage(), r.getInfoMap())) : Optional.empty();
        });
    }

    /** {@code {"kind": ..., "status": ..., "info": ...}}, the info entries parsed when they are JSON. */
    private static ObjectNode document(String kind, MessageOrBuilder status, Map<String, String> info) {
        ObjectNode doc = JSON.createObjectNode().put("kind", kind);
        try {
            doc.set("status", JSON.readTree(json(status)));
            ObjectNode infoNode = doc.putObject("info");
            for (var e : info.entrySet()) {
                try {
                    infoNode.set(e.getKey(), JSON.readTree(e.getValue()));
                } catch (IOException notJson) {
                    infoNode.put(e.getKey(), e.getValue());
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return doc;
    }

    /** The lookup's result; empty when the daemon says NOT_FOUND or (an image reference) INVALID_ARGUMENT. */
    private static Optional<ObjectNode> unlessNotFound(java.util.function.Supplier<Optional<ObjectNode>> lookup) {
        try {
            return lookup.get();
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            if (code == Status.Code.NOT_FOUND || code == Status.Code.INVALID_ARGUMENT) {
                return Optional.empty();
            }
            throw e;
        }
    }
}
