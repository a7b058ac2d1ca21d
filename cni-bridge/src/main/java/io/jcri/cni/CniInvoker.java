package io.jcri.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.oci.OciException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one CNI plugin the way the CNI 1.0 specification says: parameters in the environment, the network
 * configuration on stdin, the result or a CNI error on stdout. Every call has a deadline after which the plugin
 * and its children are killed. Plugins are started as the runtimes are ({@link io.jcri.oci.sys.Command}): no
 * descriptor of the daemon and none of its signal dispositions reach them.
 */
public final class CniInvoker {
    private static final Logger LOG = LoggerFactory.getLogger(CniInvoker.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A result or an error is a small JSON document; more than this is not read. */
    private static final int MAX_OUTPUT = 4 << 20;

    /** The CNI operations. */
    public enum Command { ADD, DEL, CHECK }

    private final CniConfigLoader plugins;
    private final Duration timeout;

    public CniInvoker(CniConfigLoader plugins, Duration timeout) {
        this.plugins = plugins;
        this.timeout = timeout;
    }

    /**
     * Runs {@code plugin} (one entry of {@code list}) for {@code command}; returns its result for ADD (the
     * {@code prevResult} passed through when a plugin prints nothing) and null otherwise.
     */
    public ObjectNode invoke(Command command, NetworkConfigList list, ObjectNode plugin, ObjectNode prevResult,
                             CniRequest request) {
        String type = plugin.path("type").asText();
        Path binary = plugins.findPlugin(type).orElseThrow(() -> CriException.internal("CNI plugin '" + type
                + "' not found in " + plugins.binDirs()));
        byte[] stdin = stdinConfig(list, plugin, prevResult, request);
        String what = type + " " + command + " for " + request.containerId();
        long started = System.nanoTime();
        io.jcri.oci.sys.Command.Result r;
        try {
            r = io.jcri.oci.sys.Command.run(List.of(binary.toString()),
                    environment(command, request, plugins.binDirs()), stdin, timeout, MAX_OUTPUT);
        } catch (OciException e) {
            throw CriException.internal("cannot run CNI plugin " + what + ": " + e.getMessage(), e);
        }
        if (r.timedOut()) {
            throw new CriException(ErrorKind.DEADLINE_EXCEEDED, "CNI plugin " + what + " did not finish within "
                    + timeout.toSeconds() + "s and was killed");
        }
        String stderr = r.stderrText();
        if (!stderr.isEmpty()) {
            LOG.debug("{} stderr: {}", what, stderr);
        }
        LOG.debug("{}: exit {} after {} ms", what, r.exitCode(), (System.nanoTime() - started) / 1_000_000);
        if (r.exitCode() != 0) {
            throw CriException.internal("CNI plugin " + what + " failed: " + errorMessage(r.stdout(), stderr,
                    r.exitCode()));
        }
        return command == Command.ADD ? result(what, r.stdout(), prevResult) : null;
    }

    /** The stdin document: the plugin's config plus name, version, prevResult and the runtimeConfig it asked for. */
    static byte[] stdinConfig(NetworkConfigList list, ObjectNode plugin, ObjectNode prevResult, CniRequest request) {
        ObjectNode conf = plugin.deepCopy();
        conf.put("name", list.name());
        conf.put("cniVersion", list.cniVersion());
        if (prevResult != null) {
            conf.set("prevResult", prevResult);
        }
        ObjectNode runtimeConfig = JSON.createObjectNode();
        plugin.path("capabilities").properties().forEach(cap -> {
            Object value = request.capabilityArgs().get(cap.getKey());
            if (cap.getValue().asBoolean(false) && value != null) {
                runtimeConfig.set(cap.getKey(), JSON.valueToTree(value));
            }
        });
        if (!runtimeConfig.isEmpty()) {
            conf.set("runtimeConfig", runtimeConfig);
        }
        try {
            return JSON.writeValueAsBytes(conf);
        } catch (IOException e) {
            throw CriException.internal("cannot encode the configuration of plugin " + plugin.path("type"), e);
        }
    }

    static Map<String, String> environment(Command command, CniRequest request, List<Path> binDirs) {
        Map<String, String> env = new TreeMap<>();
        env.put("CNI_COMMAND", command.name());
        env.put("CNI_CONTAINERID", request.containerId());
        env.put("CNI_NETNS", request.netnsPath());
        env.put("CNI_IFNAME", request.ifName());
        env.put("CNI_PATH", binDirs.stream().map(Path::toString).collect(Collectors.joining(":")));
        List<String> args = new ArrayList<>(List.of("IgnoreUnknown=1"));
        new TreeMap<>(request.args()).forEach((k, v) -> args.add(k + "=" + v));
        env.put("CNI_ARGS", String.join(";", args));
        return env;
    }

    private static ObjectNode result(String what, byte[] stdout, ObjectNode prevResult) {
        if (new String(stdout, StandardCharsets.UTF_8).isBlank()) {
            return prevResult == null ? JSON.createObjectNode() : prevResult;
        }
        try {
            if (JSON.readTree(stdout) instanceof ObjectNode o) {
                return o;
            }
        } catch (IOException e) {
            throw CriException.internal("CNI plugin " + what + " printed an invalid result: " + e.getMessage(), e);
        }
        throw CriException.internal("CNI plugin " + what + " printed a result that is not a JSON object");
    }

    /** The CNI error's code, msg and details, or what the plugin said otherwise. */
    static String errorMessage(byte[] stdout, String stderr, int exit) {
        try {
            JsonNode e = JSON.readTree(stdout);
            if (e != null && e.has("msg")) {
                String details = e.path("details").asText("");
                return e.path("msg").asText() + (details.isEmpty() ? "" : ": " + details)
                        + " (CNI error code " + e.path("code").asInt() + ")";
            }
        } catch (IOException notJson) {
            LOG.debug("CNI plugin output is not a CNI error: {}", notJson.getMessage());
        }
        String text = new String(stdout, StandardCharsets.UTF_8).strip();
        String said = (text + (stderr.isEmpty() ? "" : " " + stderr)).strip();
        return "exit status " + exit + (said.isEmpty() ? "" : ": " + said);
    }
}
