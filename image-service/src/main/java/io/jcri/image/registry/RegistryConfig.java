package io.jcri.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.jcri.cri.CriException;
import io.jcri.image.ImageReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Where repositories are pulled from, read from a containers-registries.conf v2 file (the format CRI-O and Podman
 * use): {@code [[registry]]} tables with {@code prefix}, {@code location}, {@code insecure} and
 * {@code [[registry.mirror]]} entries. A {@code location} rewrites the matched prefix with no fallback to the
 * original host; mirrors are tried in order before the location.
 *
 * @param registries         the registry tables, in file order
 * @param unqualifiedSearch  {@code unqualified-search-registries}, in order
 */
public record RegistryConfig(List<Registry> registries, List<String> unqualifiedSearch) {
    /** The host serving {@code docker.io} repositories when no table rewrites it. */
    public static final String DOCKER_HUB_HOST = "registry-1.docker.io";

    public RegistryConfig {
        registries = List.copyOf(registries);
        unqualifiedSearch = List.copyOf(unqualifiedSearch);
    }

    /** One {@code [[registry]]} table; {@code prefix} defaults to {@code location}. */
    public record Registry(String prefix, String location, boolean insecure, boolean blocked, List<Mirror> mirrors) {
        public Registry {
            mirrors = List.copyOf(mirrors);
        }
    }

    /** One {@code [[registry.mirror]]} entry. */
    public record Mirror(String location, boolean insecure) {
    }

    public static RegistryConfig empty() {
        return new RegistryConfig(List.of(), List.of());
    }

    /** Reads {@code file}; a file that does not exist means no configuration. */
    public static RegistryConfig load(Path file) {
        if (!Files.exists(file)) {
            return empty();
        }
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw CriException.invalid("cannot read registries configuration " + file + ": " + e.getMessage());
        } catch (CriException e) {
            throw CriException.invalid(file + ": " + e.getMessage());
        }
    }

    /** Parses registries.conf v2 TOML text. */
    public static RegistryConfig parse(String toml) {
        JsonNode root;
        try {
            root = new TomlMapper().readTree(toml);
        } catch (IOException e) {
            throw CriException.invalid("registries configuration is not valid TOML: " + e.getMessage());
        }
        List<String> search = new ArrayList<>();
        root.path("unqualified-search-registries").forEach(n -> search.add(n.asText()));
        List<Registry> registries = new ArrayList<>();
        for (JsonNode r : root.path("registry")) {
            String location = stripScheme(r.path("location").asText(""));
            String prefix = stripScheme(r.path("prefix").asText(location));
            if (prefix.isEmpty()) {
                throw CriException.invalid("a [[registry]] table needs a prefix or a location");
            }
            List<Mirror> mirrors = new ArrayList<>();
            for (JsonNode m : r.path("mirror")) {
                String ml = stripScheme(m.path("location").asText(""));
                if (ml.isEmpty()) {
                    throw CriException.invalid("a [[registry.mirror]] of " + prefix + " has no location");
                }
                mirrors.add(new Mirror(ml, m.path("insecure").asBoolean(false)));
            }
            registries.add(new Registry(prefix, location.isEmpty() ? prefix : location,
                    r.path("insecure").asBoolean(false), r.path("blocked").asBoolean(false), mirrors));
        }
        return new RegistryConfig(registries, search);
    }

    /**
     * The endpoints to try for {@code ref}, in order: the mirrors of the best-matching table, then its location
     * (or the reference's own registry when no table matches).
     */
    public List<RegistryEndpoint> endpointsFor(ImageReference ref) {
        String name = ref.name();
        Registry match = registries.stream()
                .filter(r -> matches(r.prefix(), ref.domain(), name))
                .max(Comparator.comparingInt(r -> r.prefix().length()))
                .orElse(null);
        List<RegistryEndpoint> out = new ArrayList<>();
        if (match == null) {
            out.add(endpoint(name, false, false));
            return out;
        }
        if (match.blocked()) {
            throw CriException.invalid("registry " + match.prefix() + " is blocked by the registries configuration");
        }
        String remainder = match.prefix().startsWith("*.") ? name.substring(ref.domain().length())
                : name.substring(match.prefix().length());
        String locationBase = match.prefix().startsWith("*.") ? ref.domain() : match.location();
        for (Mirror m : match.mirrors()) {
            out.add(endpoint(m.location() + remainder, m.insecure(), true));
        }
        out.add(endpoint(locationBase + remainder, match.insecure(), false));
        return out;
    }

    private static boolean matches(String prefix, String domain, String name) {
        if (prefix.startsWith("*.")) {
            return domain.endsWith(prefix.substring(1));
        }
        return name.equals(prefix) || name.startsWith(prefix + "/") || name.startsWith(prefix + ":")
                || name.startsWith(prefix + "@");
    }

    private static RegistryEndpoint endpoint(String fullName, boolean insecure, boolean mirror) {
        int slash = fullName.indexOf('/');
        String host = slash < 0 ? fullName : fullName.substring(0, slash);
        String repository = slash < 0 ? "" : fullName.substring(slash + 1);
        if (host.equals(ImageReference.DOCKER_HUB)) {
            host = DOCKER_HUB_HOST;
        }
        return new RegistryEndpoint(host, repository, insecure, mirror);
    }

    private static String stripScheme(String location) {
        return location.replaceFirst("^[a-z]+://", "").replaceAll("/+$", "");
    }
}
