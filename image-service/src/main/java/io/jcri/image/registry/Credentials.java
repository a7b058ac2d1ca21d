package io.jcri.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.cri.CriException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Decides which credentials go to which registry host. Credentials from the pull request belong to the image's
 * registry: they go to its (possibly rewritten) location, and to a mirror only when the request's
 * {@code server_address} names that mirror. Otherwise the credentials file (containers-auth.json format:
 * {@code {"auths": {"host": {"auth": base64(user:password), "identitytoken": ...}}}}) is consulted by the host
 * being contacted.
 */
public final class Credentials {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, RegistryAuth> byHost;

    private Credentials(Map<String, RegistryAuth> byHost) {
        this.byHost = Map.copyOf(byHost);
    }

    public static Credentials none() {
        return new Credentials(Map.of());
    }

    /** Reads a credentials file; an empty path or a missing file means none. */
    public static Credentials load(Path file) {
        if (file == null || file.toString().isEmpty() || !Files.exists(file)) {
            return none();
        }
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw CriException.invalid("cannot read credentials file " + file + ": " + e.getMessage());
        } catch (CriException e) {
            throw CriException.invalid(file + ": " + e.getMessage());
        }
    }

    static Credentials parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw CriException.invalid("credentials file is not JSON");
        }
        Map<String, RegistryAuth> byHost = new HashMap<>();
        root.path("auths").properties().forEach(e -> byHost.put(host(e.getKey()), RegistryAuth.fromCri(
                e.getValue().path("username").asText(""), e.getValue().path("password").asText(""),
                e.getValue().path("auth").asText(""), e.getValue().path("identitytoken").asText(""),
                e.getValue().path("registrytoken").asText(""))));
        return new Credentials(byHost);
    }

    /**
     * The credentials to present to {@code ep}.
     *
     * @param request       credentials from the pull request ({@link RegistryAuth#NONE} when it had none)
     * @param serverAddress the request's {@code server_address}, may be empty
     */
    public RegistryAuth forEndpoint(RegistryEndpoint ep, RegistryAuth request, String serverAddress) {
        boolean requestHasAny = !request.equals(RegistryAuth.NONE);
        if (requestHasAny && (!ep.mirror() || host(serverAddress).equals(ep.host()))) {
            return request;
        }
        String host = ep.host().equals(RegistryConfig.DOCKER_HUB_HOST) ? "docker.io" : ep.host();
        return byHost.getOrDefault(host, RegistryAuth.NONE);
    }

    /** The host of an auth.json key, which may be a URL ({@code https://index.docker.io/v1/}). */
    private static String host(String key) {
        String h = key.replaceFirst("^[a-z]+://", "");
        int slash = h.indexOf('/');
        h = slash < 0 ? h : h.substring(0, slash);
        return h.equals("index.docker.io") || h.equals(RegistryConfig.DOCKER_HUB_HOST) ? "docker.io" : h;
    }
}
