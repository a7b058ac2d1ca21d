package io.jcri.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.cri.ErrorKind;
import io.jcri.image.ImageException;
import io.jcri.image.Retries;
import io.jcri.image.content.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A client of the OCI distribution API v2: fetches manifests and opens blob streams, doing the bearer-token
 * dance from {@code WWW-Authenticate}, basic auth, and redirects. Credentials go only to the registry host they
 * were given for and to the token realm it names; a redirect to another host (blob storage) goes without them.
 * Transient failures (connection errors, 429, 5xx) are retried with backoff. HTTPS trusts the host's CA bundle.
 * Thread-safe.
 */
public final class RegistryClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_REDIRECTS = 5;
    private static final long MAX_MANIFEST_BYTES = 4 << 20;
    private static final Duration TOKEN_SLACK = Duration.ofSeconds(10);

    private final Duration responseTimeout;
    /** Built at the first request: reading the system trust store takes half a second of the daemon's start. */
    private volatile HttpClient http;
    private final Map<String, CachedToken> tokens = new ConcurrentHashMap<>();

    private record CachedToken(String header, Instant expires) {
    }

    /** @param responseTimeout how long to wait for response headers from a registry or token server */
    public RegistryClient(Duration responseTimeout) {
        this.responseTimeout = responseTimeout;
    }

    private HttpClient http() {
        HttpClient c = http;
        if (c == null) {
            synchronized (this) {
                c = http;
                if (c == null) {
                    c = HttpClient.newBuilder()
                            .version(HttpClient.Version.HTTP_1_1)
                            .connectTimeout(Duration.ofSeconds(30))
                            .followRedirects(HttpClient.Redirect.NEVER)
                            .sslContext(SystemTrust.context(SystemTrust.DEBIAN_BUNDLE))
                            .build();
                    http = c;
                }
            }
        }
        return c;
    }

    /**
     * Fetches the manifest {@code reference} (tag or digest) of the endpoint's repository and verifies it against
     * the digest when the reference is one.
     */
    public Manifest fetchManifest(RegistryEndpoint ep, String reference, RegistryAuth auth) {
        URI uri = ep.base().resolve(ep.repository() + "/manifests/" + reference);
        return Retries.run("manifest " + ep + ":" + reference, () -> {
            HttpResponse<InputStream> r = get(ep, uri, Manifest.ACCEPT, auth);
            try (InputStream body = r.body()) {
                byte[] bytes = body.readNBytes((int) MAX_MANIFEST_BYTES + 1);
                if (bytes.length > MAX_MANIFEST_BYTES) {
                    throw new ImageException(ErrorKind.FAILED_PRECONDITION, "manifest " + uri + " is larger than 4 MiB");
                }
                String digest = Digests.of(bytes);
                if (reference.startsWith("sha256:") && !reference.equals(digest)) {
                    throw new ImageException(ErrorKind.FAILED_PRECONDITION, "manifest " + uri + " has digest "
                            + digest + ", not the requested " + reference);
                }
                return Manifest.parse(digest, r.headers().firstValue("Content-Type").orElse(""), bytes);
            }
        });
    }

    /**
     * Opens the blob {@code digest}; the caller reads, verifies and closes the stream. Retries opening; a failure
     * while reading is the caller's to retry.
     */
    public InputStream openBlob(RegistryEndpoint ep, String digest, RegistryAuth auth) {
        URI uri = ep.base().resolve(ep.repository() + "/blobs/" + digest);
        return Retries.run("blob " + ep + "@" + digest, () -> get(ep, uri, "*/*", auth).body());
    }

    private HttpResponse<InputStream> get(RegistryEndpoint ep, URI uri, String accept, RegistryAuth auth)
            throws IOException, InterruptedException {
        String scope = "repository:" + ep.repository() + ":pull";
        String tokenKey = ep.host() + " " + scope;
        CachedToken cached = tokens.get(tokenKey);
        String authorization = cached != null && cached.expires().isAfter(Instant.now()) ? cached.header()
                : initialAuthorization(auth);
        HttpResponse<InputStream> r = follow(ep.host(), uri, accept, authorization);
        if (r.statusCode() == 401) {
            String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
            r.body().close();
            WwwAuthenticate wa = WwwAuthenticate.parse(challenge);
            if (wa.isBearer()) {
                CachedToken token = fetchToken(ep, wa, scope, auth);
                tokens.put(tokenKey, token);
                authorization = token.header();
            } else if (wa.isBasic() && auth.hasBasic()) {
                authorization = basic(auth);
            } else {
                throw unauthorized(ep, auth);
            }
            r = follow(ep.host(), uri, accept, authorization);
            if (r.statusCode() == 401) {
                r.body().close();
                tokens.remove(tokenKey);
                throw unauthorized(ep, auth);
            }
        }
        int status = r.statusCode();
        if (status == 200) {
            return r;
        }
        r.body().close();
        if (status == 404) {
            throw ImageException.notFound(uri + " not found in registry " + ep.host());
        }
        if (status == 429 || status >= 500) {
            throw new Retries.Transient("registry " + ep.host() + " answered " + status + " for " + uri);
        }
        throw new ImageException(status == 403 ? ErrorKind.FAILED_PRECONDITION : ErrorKind.UNAVAILABLE,
                "registry " + ep.host() + " answered " + status + " for " + uri);
    }

    /** Sends a GET and follows redirects itself, dropping the credentials when the host changes. */
    private HttpResponse<InputStream> follow(String credentialHost, URI uri, String accept, String authorization)
            throws IOException, InterruptedException {
        URI current = uri;
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(current).timeout(responseTimeout).GET()
                    .header("Accept", accept).header("User-Agent", "jcri");
            if (authorization != null && hostPort(current).equals(credentialHost)) {
                b.header("Authorization", authorization);
            }
            HttpResponse<InputStream> r = http().send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            int s = r.statusCode();
            if (s < 300 || s >= 400 || s == 304) {
                return r;
            }
            r.body().close();
            String location = r.headers().firstValue("Location")
                    .orElseThrow(() -> new IOException("redirect " + s + " without Location from " + hostPort(uri)));
            if (hop >= MAX_REDIRECTS) {
                throw new IOException("more than " + MAX_REDIRECTS + " redirects from " + uri);
            }
            current = current.resolve(location);
        }
    }

    private CachedToken fetchToken(RegistryEndpoint ep, WwwAuthenticate wa, String scope, RegistryAuth auth)
            throws IOException, InterruptedException {
        if (!auth.registryToken().isEmpty()) {
            return new CachedToken("Bearer " + auth.registryToken(), Instant.MAX);
        }
        String realm = wa.params().get("realm");
        if (realm == null || realm.isEmpty()) {
            throw new ImageException(ErrorKind.UNAVAILABLE, "registry " + ep.host() + " asked for a bearer token "
                    + "without naming a realm");
        }
        String service = wa.params().getOrDefault("service", "");
        String wantedScope = wa.params().getOrDefault("scope", scope);
        HttpRequest.Builder b;
        if (!auth.identityToken().isEmpty()) {
            String form = "grant_type=refresh_token&client_id=jcri&service=" + enc(service) + "&scope="
                    + enc(wantedScope) + "&refresh_token=" + enc(auth.identityToken());
            b = HttpRequest.newBuilder(URI.create(realm)).POST(HttpRequest.BodyPublishers.ofString(form))
                    .header("Content-Type", "application/x-www-form-urlencoded");
        } else {
            String q = (service.isEmpty() ? "" : "service=" + enc(service) + "&") + "scope=" + enc(wantedScope);
            b = HttpRequest.newBuilder(URI.create(realm + (realm.contains("?") ? "&" : "?") + q)).GET();
            if (auth.hasBasic()) {
                b.header("Authorization", basic(auth));
            }
        }
        HttpResponse<byte[]> r = http().send(b.timeout(responseTimeout).header("User-Agent", "jcri").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() == 429 || r.statusCode() >= 500) {
            throw new Retries.Transient("token server " + hostPort(URI.create(realm)) + " answered " + r.statusCode());
        }
        if (r.statusCode() != 200) {
            throw unauthorized(ep, auth);
        }
        JsonNode body = JSON.readTree(r.body());
        String token = body.path("token").asText(body.path("access_token").asText(""));
        if (token.isEmpty()) {
            throw new ImageException(ErrorKind.UNAVAILABLE, "token server " + hostPort(URI.create(realm))
                    + " answered without a token");
        }
        long expiresIn = Math.max(60, body.path("expires_in").asLong(60));
        return new CachedToken("Bearer " + token, Instant.now().plusSeconds(expiresIn).minus(TOKEN_SLACK));
    }

    private static String initialAuthorization(RegistryAuth auth) {
        if (!auth.registryToken().isEmpty()) {
            return "Bearer " + auth.registryToken();
        }
        return null;
    }

    private static ImageException unauthorized(RegistryEndpoint ep, RegistryAuth auth) {
        return new ImageException(ErrorKind.FAILED_PRECONDITION, "registry " + ep.host() + " refused access to "
                + ep.repository() + (auth.equals(RegistryAuth.NONE) ? " without credentials" : " with the given "
                + auth));
    }

    private static String basic(RegistryAuth auth) {
        return "Basic " + Base64.getEncoder().encodeToString((auth.username() + ":" + auth.password())
                .getBytes(StandardCharsets.UTF_8));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static String hostPort(URI uri) {
        return uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
    }
}
