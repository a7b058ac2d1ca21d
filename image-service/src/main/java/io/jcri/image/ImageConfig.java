package io.jcri.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The run defaults of an image, from the {@code config} section of its OCI image config: what a container of this
 * image runs, as whom, where, with which environment.
 */
public record ImageConfig(List<String> entrypoint, List<String> cmd, List<String> env, String workingDir, String user,
                          String stopSignal, Map<String, String> labels, List<String> exposedPorts,
                          List<String> volumes) {
    public ImageConfig {
        entrypoint = List.copyOf(entrypoint == null ? List.of() : entrypoint);
        cmd = List.copyOf(cmd == null ? List.of() : cmd);
        env = List.copyOf(env == null ? List.of() : env);
        workingDir = workingDir == null ? "" : workingDir;
        user = user == null ? "" : user;
        stopSignal = stopSignal == null ? "" : stopSignal;
        labels = Map.copyOf(labels == null ? Map.of() : labels);
        exposedPorts = List.copyOf(exposedPorts == null ? List.of() : exposedPorts);
        volumes = List.copyOf(volumes == null ? List.of() : volumes);
    }

    /** Reads the {@code config} object of an image config document (missing fields are empty). */
    public static ImageConfig fromImageConfigJson(JsonNode imageConfig) {
        JsonNode c = imageConfig.path("config");
        Map<String, String> labels = new LinkedHashMap<>();
        c.path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        return new ImageConfig(strings(c.path("Entrypoint")), strings(c.path("Cmd")), strings(c.path("Env")),
                c.path("WorkingDir").asText(""), c.path("User").asText(""), c.path("StopSignal").asText(""),
                labels, keys(c.path("ExposedPorts")), keys(c.path("Volumes")));
    }

    /** This config with other labels. */
    public ImageConfig withLabels(Map<String, String> other) {
        return new ImageConfig(entrypoint, cmd, env, workingDir, user, stopSignal, other, exposedPorts, volumes);
    }

    /** The numeric uid of {@link #user()} when it names one ("1000" or "1000:1000"), else null. */
    public Long uid() {
        String u = userPart();
        return u.matches("\\d+") ? Long.valueOf(u) : null;
    }

    /** The user name of {@link #user()} when it is not numeric ("nobody" or "nobody:nogroup"), else "". */
    public String username() {
        String u = userPart();
        return u.matches("\\d+") ? "" : u;
    }

    private String userPart() {
        int colon = user.indexOf(':');
        return colon < 0 ? user : user.substring(0, colon);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<String> keys(JsonNode object) {
        List<String> out = new ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
