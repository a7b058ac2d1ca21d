package io.jcri.server.inspect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.grpc.stub.StreamObserver;
import io.jcri.cri.v1.ContainerStatusRequest;
import io.jcri.cri.v1.ContainerStatusResponse;
import io.jcri.cri.v1.ImageServiceGrpc;
import io.jcri.cri.v1.ListImagesRequest;
import io.jcri.cri.v1.ListImagesResponse;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.ListPodSandboxResponse;
import io.jcri.cri.v1.PodSandboxStatusRequest;
import io.jcri.cri.v1.PodSandboxStatusResponse;
import io.jcri.cri.v1.RuntimeServiceGrpc;
import io.jcri.cri.v1.StatusRequest;
import io.jcri.cri.v1.StatusResponse;
import io.jcri.cri.v1.VersionRequest;
import io.jcri.cri.v1.VersionResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the inspect API answers: each path is served by read-only CRI calls made in process (the same views a
 * socket client gets), rendered as JSON. Nothing here changes state.
 */
final class InspectRoutes {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFormat.Printer PROTO = JsonFormat.printer().omittingInsignificantWhitespace();
    private static final Pattern POD = Pattern.compile("/pods/([A-Za-z0-9]{1,64})");
    private static final Pattern CONTAINER = Pattern.compile("/containers/([A-Za-z0-9]{1,64})");

    private final RuntimeServiceGrpc.RuntimeServiceImplBase runtime;
    private final ImageServiceGrpc.ImageServiceImplBase images;
    private final Supplier<String> configJson;
    private final Path containersDir;

    /**
     * @param runtime       the CRI runtime service, called in process
     * @param images        the CRI image service, called in process
     * @param configJson    the running configuration as JSON
     * @param containersDir where container bundles live ({@code <state root>/containers})
     */
    InspectRoutes(RuntimeServiceGrpc.RuntimeServiceImplBase runtime, ImageServiceGrpc.ImageServiceImplBase images,
                  Supplier<String> configJson, Path containersDir) {
        this.runtime = runtime;
        this.images = images;
        this.configJson = configJson;
        this.containersDir = containersDir;
    }

    /** The answer for {@code path}, or empty when no route has that path. */
    Optional<Supplier<JsonNode>> route(String path) {
        Matcher m;
        if (path.equals("/info")) {
            return Optional.of(this::info);
        } else if (path.equals("/pods")) {
            return Optional.of(this::pods);
        } else if (path.equals("/images")) {
            return Optional.of(this::images);
        } else if ((m = POD.matcher(path)).matches()) {
            String id = m.group(1);
            return Optional.of(() -> pod(id));
        } else if ((m = CONTAINER.matcher(path)).matches()) {
            String id = m.group(1);
            return Optional.of(() -> container(id));
        }
        return Optional.empty();
    }

    private JsonNode info() {
        VersionResponse v = call(runtime::version, VersionRequest.getDefaultInstance());
        StatusResponse s = call(runtime::status, StatusRequest.getDefaultInstance());
        ObjectNode out = JSON.createObjectNode();
        out.put("runtime_name", v.getRuntimeName());
        out.put("version", v.getRuntimeVersion());
        out.put("runtime_api_version", v.getRuntimeApiVersion());
        ArrayNode handlers = out.putArray("handlers");
        s.getRuntimeHandlersList().forEach(h -> handlers.add(proto(h)));
        out.set("config", tree(configJson.get()));
        ArrayNode conditions = out.putArray("conditions");
        s.getStatus().getConditionsList().forEach(c -> conditions.add(proto(c)));
        return out;
    }

    private JsonNode pods() {
        ListPodSandboxResponse r = call(runtime::listPodSandbox, ListPodSandboxRequest.getDefaultInstance());
        ArrayNode out = JSON.createArrayNode();
        r.getItemsList().forEach(p -> out.add(proto(p)));
        return out;
    }

    private JsonNode pod(String id) {
        PodSandboxStatusResponse r = call(runtime::podSandboxStatus, PodSandboxStatusRequest.newBuilder()
                .setPodSandboxId(id).setVerbose(true).build());
        ObjectNode out = JSON.createObjectNode();
        out.set("status", proto(r.getStatus()));
        out.set("info", infoOf(r.getInfoMap()));
        return out;
    }

    private JsonNode container(String id) {
        ContainerStatusResponse r = call(runtime::containerStatus, ContainerStatusRequest.newBuilder()
                .setContainerId(id).setVerbose(true).build());
        var s = r.getStatus();
        JsonNode info = infoOf(r.getInfoMap());
        Path bundle = containersDir.resolve(s.getId());
        ObjectNode out = JSON.createObjectNode();
        out.put("id", s.getId());
        out.put("name", s.getMetadata().getName());
        out.put("pod_id", info.path("sandboxID").asText(""));
        out.put("state", s.getState().name());
        out.put("pid", info.path("pid").asLong(0));
        out.put("runtime_handler", info.path("runtimeHandler").asText(""));
        out.put("bundle", bundle.toString());
        out.put("oci_spec", bundle.resolve("config.json").toString());
        out.put("log_path", s.getLogPath());
        out.put("image", s.getImage().getImage());
        out.put("image_id", s.getImageId());
        ArrayNode mounts = out.putArray("mounts");
        s.getMountsList().forEach(mount -> mounts.add(proto(mount)));
        out.set("resources", proto(s.getResources()));
        out.set("status", proto(s));
        return out;
    }

    private JsonNode images() {
        ListImagesResponse r = call(images::listImages, ListImagesRequest.getDefaultInstance());
        ArrayNode out = JSON.createArrayNode();
        r.getImagesList().forEach(i -> out.add(proto(i)));
        return out;
    }

    /** The verbose info map's {@code info} entry (a JSON document) as a tree. */
    private static JsonNode infoOf(Map<String, String> info) {
        String text = info.get("info");
        return text == null ? JSON.createObjectNode() : tree(text);
    }

    private static JsonNode proto(MessageOrBuilder m) {
        try {
            return tree(PROTO.print(m));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("rendering " + m.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** One unary call of a service method in process; its exceptions propagate as they would to the gRPC layer. */
    private static <Q, R> R call(BiConsumer<Q, StreamObserver<R>> method, Q request) {
        Captured<R> out = new Captured<>();
        method.accept(request, out);
        if (out.value == null) {
            throw new IllegalStateException("the call answered nothing");
        }
        return out.value;
    }

    private static final class Captured<R> implements StreamObserver<R> {
        R value;

        @Override
        public void onNext(R v) {
            value = v;
        }

        @Override
        public void onError(Throwable t) {
            throw new IllegalStateException(t);
        }

        @Override
        public void onCompleted() {
        }
    }
}
