package io.jcri.cni;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

/**
 * One CNI network configuration list as loaded from the conf dir: its name, version and plugin configurations
 * (a single-plugin {@code .conf} file is loaded as a list of one).
 *
 * @param source  the file it came from
 * @param raw     the whole document as read
 * @param plugins each plugin's own configuration object, in invocation order
 */
public record NetworkConfigList(Path source, String name, String cniVersion, List<ObjectNode> plugins,
                                ObjectNode raw) {
    public NetworkConfigList {
        plugins = List.copyOf(plugins);
    }

    /** The plugin types, in order. */
    public List<String> pluginTypes() {
        return plugins.stream().map(p -> p.path("type").asText()).toList();
    }
}
