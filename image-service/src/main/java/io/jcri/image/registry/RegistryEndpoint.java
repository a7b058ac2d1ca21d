package io.jcri.image.registry;

import java.net.URI;

/**
 * One place to pull a repository from: a registry host (mirror or upstream), the repository path there, and
 * whether it is spoken to over plain HTTP.
 *
 * @param host       host[:port] as contacted
 * @param repository the repository path on that host
 * @param insecure   plain HTTP instead of HTTPS
 * @param mirror     whether this is a mirror (failures fall through to the next endpoint)
 */
public record RegistryEndpoint(String host, String repository, boolean insecure, boolean mirror) {

    /** The base URI of the distribution API on this host. */
    public URI base() {
        return URI.create((insecure ? "http://" : "https://") + host + "/v2/");
    }

    @Override
    public String toString() {
        return host + "/" + repository + (insecure ? " (insecure)" : "") + (mirror ? " (mirror)" : "");
    }
}
