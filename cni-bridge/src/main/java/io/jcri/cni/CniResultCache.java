package io.jcri.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcri.cri.CriException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Attachments on disk under {@code <dir>/<containerId>-<ifName>}, as libcni keeps them: the configuration list
 * used, the request, and (once ADD finished) the result. An entry is written before ADD starts, so an attachment
 * interrupted by a crash is still torn down; DEL uses the cached list even after the conf dir changed.
 */
public final class CniResultCache {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One cached attachment.
     *
     * @param result the ADD result, null while ADD has not finished
     */
    public record Entry(NetworkConfigList list, CniRequest request, ObjectNode result) {
    }

    /** Writes a file crash-safely (the daemon passes its atomic writer; cni-bridge depends on no other module). */
    @FunctionalInterface
    public interface FileWriter {
        void write(Path target, byte[] content) throws IOException;
    }

    private final Path dir;
    private final FileWriter writer;

    public CniResultCache(Path dir, FileWriter writer) {
        this.dir = dir;
        this.writer = writer;
    }

    public void put(Entry entry) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("kind", "cniCacheV1");
        doc.put("source", entry.list().source() == null ? "" : entry.list().source().toString());
        doc.set("config", entry.list().raw());
        doc.put("containerId", entry.request().containerId());
        doc.put("netns", entry.request().netnsPath());
        doc.put("ifName", entry.request().ifName());
        doc.set("cniArgs", JSON.valueToTree(entry.request().args()));
        doc.set("capabilityArgs", JSON.valueToTree(entry.request().capabilityArgs()));
        if (entry.result() != null) {
            doc.set("result", entry.result());
        }
        try {
            writer.write(file(entry.request().containerId(), entry.request().ifName()), JSON.writeValueAsBytes(doc));
        } catch (IOException e) {
            throw CriException.internal("cannot cache the CNI attachment of " + entry.request().containerId() + ": "
                    + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    public Optional<Entry> get(String containerId, String ifName) {
        Path f = file(containerId, ifName);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            JsonNode doc = JSON.readTree(f.toFile());
            String source = doc.path("source").asText("");
            NetworkConfigList list = CniConfigLoader.parse(source.isEmpty() ? null : Path.of(source),
                    doc.path("config").toString());
            CniRequest request = new CniRequest(containerId, doc.path("netns").asText(), ifName,
                    JSON.convertValue(doc.path("cniArgs"), Map.class),
                    JSON.convertValue(doc.path("capabilityArgs"), Map.class));
            ObjectNode result = doc.get("result") instanceof ObjectNode o ? o : null;
            return Optional.of(new Entry(list, request, result));
        } catch (IOException | CriException e) {
            throw CriException.internal("cannot read the cached CNI attachment " + f + ": " + e.getMessage(), e);
        }
    }

    public void delete(String containerId, String ifName) {
        try {
            Files.deleteIfExists(file(containerId, ifName));
        } catch (IOException e) {
            throw CriException.internal("cannot delete the cached CNI attachment of " + containerId + ": "
                    + e.getMessage(), e);
        }
    }

    private Path file(String containerId, String ifName) {
        if (containerId.contains("/") || ifName.contains("/")) {
            throw new IllegalArgumentException("container id and interface name must not contain '/'");
        }
        return dir.resolve(containerId + "-" + ifName);
    }
}
