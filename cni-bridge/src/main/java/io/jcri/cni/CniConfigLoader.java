package io.jcri.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcri.cri.CriException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the network configuration the way libcni does: the lexicographically first file in the conf dir with a
 * {@code .conflist}, {@code .conf} or {@code .json} extension that parses and whose plugins are all installed.
 */
public final class CniConfigLoader {
    private static final Logger LOG = LoggerFactory.getLogger(CniConfigLoader.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path confDir;
    private final List<Path> binDirs;

    public CniConfigLoader(Path confDir, List<Path> binDirs) {
        this.confDir = confDir;
        this.binDirs = List.copyOf(binDirs);
    }

    public Path confDir() {
        return confDir;
    }

    public List<Path> binDirs() {
        return binDirs;
    }

    /** The first usable configuration, or a {@link CriException} saying why there is none. */
    public NetworkConfigList load() {
        List<Path> files;
        try (Stream<Path> s = Files.list(confDir)) {
            files = s.filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".conflist") || n.endsWith(".conf") || n.endsWith(".json");
            }).sorted().toList();
        } catch (IOException e) {
            throw CriException.internal("no CNI configuration: cannot list " + confDir + ": " + e.getMessage(), e);
        }
        List<String> rejected = new ArrayList<>();
        for (Path f : files) {
            try {
                NetworkConfigList list = parse(f, Files.readString(f));
                Optional<String> missing = missingPlugin(list);
                if (missing.isPresent()) {
                    rejected.add(f.getFileName() + ": " + missing.get());
                    continue;
                }
                return list;
            } catch (IOException | CriException e) {
                rejected.add(f.getFileName() + ": " + e.getMessage());
            }
        }
        if (!rejected.isEmpty()) {
            LOG.warn("unusable CNI configurations in {}: {}", confDir, rejected);
            throw CriException.internal("no usable CNI configuration in " + confDir + ": "
                    + String.join("; ", rejected));
        }
        throw CriException.internal("no CNI configuration file in " + confDir);
    }

    /** Parses a {@code .conflist} document, or a single-plugin {@code .conf} one as a list of one. */
    public static NetworkConfigList parse(Path source, String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (IOException e) {
            throw CriException.internal("not valid JSON: " + e.getMessage(), e);
        }
        if (!(root instanceof ObjectNode obj)) {
            throw CriException.internal("not a JSON object");
        }
        String name = obj.path("name").asText("");
        if (name.isEmpty()) {
            throw CriException.internal("network has no name");
        }
        String version = obj.path("cniVersion").asText("");
        List<ObjectNode> plugins = new ArrayList<>();
        if (obj.has("plugins")) {
            if (!(obj.get("plugins") instanceof ArrayNode arr) || arr.isEmpty()) {
                throw CriException.internal("'plugins' must be a non-empty array");
            }
            for (JsonNode p : arr) {
                if (!(p instanceof ObjectNode po) || po.path("type").asText("").isEmpty()) {
                    throw CriException.internal("every plugin needs a 'type'");
                }
                checkType(po.path("type").asText());
                plugins.add(po);
            }
        } else {
            if (obj.path("type").asText("").isEmpty()) {
                throw CriException.internal("plugin configuration needs a 'type'");
            }
            checkType(obj.path("type").asText());
            plugins.add(obj);
        }
        return new NetworkConfigList(source, name, version, plugins, obj);
    }

    /**
     * A plugin type names a file in one of the bin dirs, as libcni's FindInPath: one path element, so that a
     * configuration cannot run {@code /abs/path} or {@code ../x} (only whoever writes the conf dir can anyway).
     */
    static void checkType(String type) {
        if (type.equals(".") || type.equals("..") || type.contains("/") || type.indexOf('\0') >= 0) {
            throw CriException.internal("plugin type '" + type + "' is not a file name in the CNI bin dirs");
        }
    }

    /** The plugin executable of {@code type} in the bin dirs. */
    public Optional<Path> findPlugin(String type) {
        checkType(type);
        return binDirs.stream().map(d -> d.resolve(type)).filter(Files::isExecutable).findFirst();
    }

    private Optional<String> missingPlugin(NetworkConfigList list) {
        for (String type : list.pluginTypes()) {
            if (findPlugin(type).isEmpty()) {
                return Optional.of("plugin '" + type + "' not found in " + binDirs);
            }
        }
        return Optional.empty();
    }
}
