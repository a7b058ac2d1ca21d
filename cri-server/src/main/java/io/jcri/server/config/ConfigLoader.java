package io.jcri.server.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.jcri.image.registry.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Reads jcri's TOML configuration strictly: unknown keys and ill-typed or out-of-range values stop the start. */
public final class ConfigLoader {
    private static final ObjectMapper TOML = TomlMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .build();

    private ConfigLoader() {
    }

    /** Loads {@code file}; a missing file means all defaults. */
    public static JcriConfig load(Path file) {
        if (!Files.exists(file)) {
            return JcriConfig.defaults();
        }
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new ConfigException("cannot read configuration " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses TOML text; {@code source} names it in error messages. */
    public static JcriConfig parse(String toml, String source) {
        JcriConfig config;
        try {
            config = TOML.readValue(toml, JcriConfig.class);
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", "));
            throw new ConfigException(source + ": unknown key '" + keyPath(e) + "' (known here: " + known + ")", e);
        } catch (InvalidFormatException e) {
            throw new ConfigException(source + ": key '" + keyPath(e) + "' expects " + typeName(e.getTargetType())
                    + ", got '" + e.getValue() + "'", e);
        } catch (MismatchedInputException e) {
            throw new ConfigException(source + ": key '" + keyPath(e) + "' expects "
                    + typeName(e.getTargetType()), e);
        } catch (JacksonException e) {
            throw new ConfigException(source + ": not valid TOML: " + e.getOriginalMessage(), e);
        }
        if (config == null) {
            config = JcriConfig.defaults();
        }
        validate(config, source);
        return config;
    }

    /** Renders the effective configuration as JSON (for {@code Status verbose}). */
    public static String toJson(JcriConfig config) {
        try {
            return new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                    .enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(config);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Renders the effective configuration as TOML (for {@code jcri config}). */
    public static String toToml(JcriConfig config) {
        try {
            return TOML.writeValueAsString(config);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void validate(JcriConfig c, String source) {
        List<String> problems = new ArrayList<>();
        requireAbsolute(problems, "server.socket", c.server().socket());
        requireAbsolute(problems, "state.root", c.state().root());
        requireAbsolute(problems, "state.run_root", c.state().runRoot());
        requireAbsolute(problems, "cni.conf_dir", c.cni().confDir());
        c.cdi().specDirs().forEach(d -> requireAbsolute(problems, "cdi.spec_dirs", d));
        if (c.server().shutdownGraceSeconds() < 0) {
            problems.add("key 'server.shutdown_grace_seconds' expects a number >= 0");
        }
        if (!List.of("trace", "debug", "info", "warn", "error").contains(c.server().logLevel())) {
            problems.add("key 'server.log_level' expects one of trace, debug, info, warn, error");
        }
        if (!c.runtime().handlers().containsKey(c.runtime().defaultHandler())) {
            problems.add("key 'runtime.default_handler' names '" + c.runtime().defaultHandler()
                    + "', which is not among runtime.handlers " + c.runtime().handlers().keySet());
        }
        if (!List.of("cgroupfs", "systemd").contains(c.runtime().cgroupDriver())) {
            problems.add("key 'runtime.cgroup_driver' expects cgroupfs or systemd");
        }
        if (c.cni().pluginTimeoutSeconds() <= 0) {
            problems.add("key 'cni.plugin_timeout_seconds' expects a number > 0");
        }
        if (c.image().maxConcurrentDownloads() < 1 || c.image().maxConcurrentDownloads() > 64) {
            problems.add("key 'image.max_concurrent_downloads' expects a number from 1 to 64");
        }
        if (c.image().pullProgressTimeoutSeconds() <= 0) {
            problems.add("key 'image.pull_progress_timeout_seconds' expects a number > 0");
        }
        if (c.image().maxLayerUnpackedBytes() <= 0) {
            problems.add("key 'image.max_layer_unpacked_bytes' expects a number > 0");
        }
        try {
            Platform.parse(c.image().platform());
        } catch (IllegalArgumentException e) {
            problems.add("key 'image.platform' expects os/architecture[/variant]: " + e.getMessage());
        }
        requirePort(problems, "streaming.port", c.streaming().port());
        requirePort(problems, "metrics.port", c.metrics().port());
        if (c.streaming().idleTimeoutSeconds() <= 0) {
            problems.add("key 'streaming.idle_timeout_seconds' expects a number > 0");
        }
        if (c.streaming().requestTimeoutSeconds() <= 0) {
            problems.add("key 'streaming.request_timeout_seconds' expects a number > 0");
        }
        if (c.inspect().maxConnections() < 1) {
            problems.add("key 'inspect.max_connections' expects a number > 0");
        }
        if (c.streaming().maxConnections() < 1) {
            problems.add("key 'streaming.max_connections' expects a number > 0");
        }
        if (c.streaming().tlsCertFile().isEmpty() != c.streaming().tlsKeyFile().isEmpty()) {
            problems.add("keys 'streaming.tls_cert_file' and 'streaming.tls_key_file' go together");
        }
        validateRemote(problems, c.remote());
        if (!c.inspect().socket().isEmpty()) {
            requireAbsolute(problems, "inspect.socket", c.inspect().socket());
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(source + ": " + String.join("; ", problems));
        }
    }

    /** TCP is served with mutual TLS only: an address without its three files is refused, never served plain. */
    private static void validateRemote(List<String> problems, JcriConfig.Remote r) {
        if (!r.enabled()) {
            return;
        }
        int colon = r.address().lastIndexOf(':');
        String port = colon < 0 ? "" : r.address().substring(colon + 1);
        if (colon <= 0 || !port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535) {
            problems.add("key 'remote.address' expects host:port, got '" + r.address() + "'");
        }
        for (var key : List.of(List.of("remote.tls_cert_file", r.tlsCertFile()),
                List.of("remote.tls_key_file", r.tlsKeyFile()), List.of("remote.client_ca_file", r.clientCaFile()))) {
            if (key.get(1).isEmpty()) {
                problems.add("key '" + key.get(0) + "' is required when remote.address is set: the remote "
                        + "listener serves mutual TLS only, never plaintext");
            } else {
                requireAbsolute(problems, key.get(0), key.get(1));
            }
        }
        for (String subject : r.allowedSubjects()) {
            if (subject.isBlank()) {
                problems.add("key 'remote.allowed_subjects' holds an empty subject");
            }
        }
    }

    private static void requireAbsolute(List<String> problems, String key, String path) {
        if (!path.startsWith("/")) {
            problems.add("key '" + key + "' expects an absolute path, got '" + path + "'");
        }
    }

    private static void requirePort(List<String> problems, String key, int port) {
        if (port < 0 || port > 65535) {
            problems.add("key '" + key + "' expects a port from 0 to 65535, got " + port);
        }
    }

    private static String keyPath(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private static String typeName(Class<?> type) {
        if (type == null) {
            return "another type";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (List.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "a table";
    }
}
