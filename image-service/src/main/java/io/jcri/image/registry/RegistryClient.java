package io.jcri.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.image.Retries;
import io.jcri.image.content.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of the OCI distribution API v2: fetches manifests and opens blob streams, doing the bearer-token
 * dance from {@code WWW-Authenticate}, basic auth, and redirects. Credentials go only to the registry host they
 * were given for and to the token realm it names, and to a realm only over HTTPS (or to a plain-HTTP registry's
 * own host and port); a redirect to another host (blob storage) goes without them, and one from HTTPS to plain
 * HTTP is refused. Tokens are cached per host, repository and credentials, so one pull never rides on a token
 * another pull's credentials obtained. A loopback registry that does not speak TLS is reached over plain HTTP;
 * any other TLS failure ends the request at once with what to change. Transient failures (connection errors,
 * 429, 5xx) are retried with backoff. HTTPS trusts the host's CA bundle. Thread-safe.
 */
public final class RegistryClient {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_REDIRECTS = 5;
    private static final long MAX_MANIFEST_BYTES = 4 << 20;
    /** What containers/image accepts from a token server. */
    static final int MAX_TOKEN_RESPONSE_BYTES = 1 << 20;
    private static final int MAX_CACHED_TOKENS = 1024;
    private static final Duration TOKEN_SLACK = Duration.ofSeconds(10);

    private final Duration responseTimeout;
    private final Duration connectTimeout;
    private final Supplier<SSLContext> trust;
    /** Built at the first request: reading the system trust store takes half a second of the daemon's start. */
    private volatile HttpClient http;
    private final Map<String, CachedToken> tokens = new ConcurrentHashMap<>();
    /** Loopback registries (host:port) that turned out to speak plain HTTP. */
    private final Set<String> plainHttp = ConcurrentHashMap.newKeySet();

    private record CachedToken(String header, Instant expires) {
    }

    /** @param responseTimeout how long to wait for response headers from a registry or token server */
    public RegistryClient(Duration responseTimeout) {
        this(responseTimeout, Duration.ofSeconds(30), () -> SystemTrust.context(SystemTrust.DEBIAN_BUNDLE));
    }

    /** @param trust the TLS context, made at the first request */
    RegistryClient(Duration responseTimeout, Duration connectTimeout, Supplier<SSLContext> trust) {
        this.responseTimeout = responseTimeout;
        this.connectTimeout = connectTimeout;
        this.trust = trust;
    }

    private HttpClient http() {
        HttpClient c = http;
        if (c == null) {
            synchronized (this) {
                c = http;
                if (c == null) {
                    c = HttpClient.newBuilder()
                            .version(HttpClient.Version.HTTP_1_1)
                            .connectTimeout(connectTimeout)
                            .followRedirects(HttpClient.Redirect.NEVER)
                            .sslContext(trust.get())
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
        String path = ep.repository() + "/manifests/" + reference;
        return Retries.run("manifest " + ep + ":" + reference, () -> {
            HttpResponse<InputStream> r = get(ep, path, Manifest.ACCEPT, auth);
            try (InputStream body = r.body()) {
                byte[] bytes = body.readNBytes((int) MAX_MANIFEST_BYTES + 1);
                if (bytes.length > MAX_MANIFEST_BYTES) {
                    throw new CriException(ErrorKind.FAILED_PRECONDITION, "manifest " + r.uri()
                            + " is larger than 4 MiB");
                }
                String digest = Digests.of(bytes);
                if (reference.startsWith("sha256:") && !reference.equals(digest)) {
                    throw new CriException(ErrorKind.FAILED_PRECONDITION, "manifest " + r.uri() + " has digest "
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
        String path = ep.repository() + "/blobs/" + digest;
        return Retries.run("blob " + ep + "@" + digest, () -> get(ep, path, "*/*", auth).body());
    }

    /** The base URI of the endpoint's distribution API, plain HTTP when configured or found so. */
    URI base(RegistryEndpoint ep) {
        return plainHttp.contains(ep.host()) ? URI.create("http://" + ep.host() + "/v2/") : ep.base();
    }

    private HttpResponse<InputStream> get(RegistryEndpoint ep, String path, String accept, RegistryAuth auth)
            throws IOException, InterruptedException {
        URI uri = base(ep).resolve(path);
        try {
            return get(ep, uri, accept, auth);
        } catch (TlsFailure f) {
            boolean fallBack = f.host().equals(ep.host()) && uri.getScheme().equals("https")
                    && Loopback.is(ep.host()) && (f.plainAnswer() || f.stalled());
            if (fallBack) {
                // as Docker and containerd do for a registry on this machine
                LOG.info("registry {} is on loopback and {} TLS: using plain HTTP", ep.host(),
                        f.stalled() ? "did not complete" : "does not speak");
                plainHttp.add(ep.host());
                return get(ep, base(ep).resolve(path), accept, auth);
            }
            if (f.stalled()) {
                throw (IOException) f.getCause();
            }
            throw f.explain();
        }
    }

    private HttpResponse<InputStream> get(RegistryEndpoint ep, URI uri, String accept, RegistryAuth given)
            throws IOException, InterruptedException {
        // A loopback registry reached over plain HTTP without an insecure rule may be anyone's port (a
        // hostNetwork pod's): it gets no credentials, only an anonymous pull.
        boolean plainWithoutRule = uri.getScheme().equals("http") && !ep.insecure();
        RegistryAuth auth = plainWithoutRule ? RegistryAuth.NONE : given;
        if (plainWithoutRule && !given.equals(RegistryAuth.NONE)) {
            LOG.debug("registry {} is reached over plain HTTP without insecure = true: pulling without credentials",
                    ep.host());
        }
        String scope = "repository:" + ep.repository() + ":pull";
        String tokenKey = ep.host() + " " + scope + " " + owner(auth);
        CachedToken cached = tokens.get(tokenKey);
        String authorization = cached != null && cached.expires().isAfter(Instant.now()) ? cached.header()
                : initialAuthorization(auth);
        HttpResponse<InputStream> r = refuseForeignChallenge(ep, follow(ep.host(), uri, accept, authorization));
        if (r.statusCode() == 401 && plainWithoutRule && !given.equals(RegistryAuth.NONE)) {
            r.body().close();
            throw new CriException(ErrorKind.FAILED_PRECONDITION, "registry " + ep.host() + " speaks plain HTTP "
                    + "and asks for credentials: jcri sends credentials over plain HTTP only to a registry with "
                    + "insecure = true in registries.conf");
        }
        if (r.statusCode() == 401) {
            String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
            r.body().close();
            WwwAuthenticate wa = WwwAuthenticate.parse(challenge);
            if (wa.isBearer()) {
                CachedToken token = fetchToken(ep, uri, wa, scope, auth);
                cache(tokenKey, token);
                authorization = token.header();
            } else if (wa.isBasic() && auth.hasBasic()) {
                authorization = basic(auth);
            } else {
                throw unauthorized(ep, auth);
            }
            r = refuseForeignChallenge(ep, follow(ep.host(), uri, accept, authorization));
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
            throw CriException.notFound(uri + " not found in registry " + ep.host());
        }
        if (status == 429 || status >= 500) {
            throw new Retries.Transient("registry " + ep.host() + " answered " + status + " for " + uri);
        }
        throw new CriException(status == 403 ? ErrorKind.FAILED_PRECONDITION : ErrorKind.UNAVAILABLE,
                "registry " + ep.host() + " answered " + status + " for " + uri);
    }

    /** A 401 from the host a redirect ended on (a blob's storage) names no realm for the registry's credentials. */
    private static HttpResponse<InputStream> refuseForeignChallenge(RegistryEndpoint ep, HttpResponse<InputStream> r)
            throws IOException {
        if (r.statusCode() == 401 && !hostPort(r.uri()).equals(ep.host())) {
            r.body().close();
            throw new CriException(ErrorKind.FAILED_PRECONDITION, "registry " + ep.host() + " redirected to "
                    + hostPort(r.uri()) + ", which asked for credentials: jcri answers only the registry's own "
                    + "challenges");
        }
        return r;
    }

    /**
     * Whose token a cache entry is: the credentials' digest, never the credentials themselves, or "anonymous".
     * Keying by it keeps a pull without credentials from using a token another pull's credentials obtained.
     */
    private static String owner(RegistryAuth auth) {
        if (auth.equals(RegistryAuth.NONE)) {
            return "anonymous";
        }
        return Digests.of(String.join("\0", auth.username(), auth.password(), auth.identityToken(),
                auth.registryToken()));
    }

    private void cache(String key, CachedToken token) {
        if (tokens.size() >= MAX_CACHED_TOKENS) {
            Instant now = Instant.now();
            tokens.values().removeIf(t -> !t.expires().isAfter(now));
            if (tokens.size() >= MAX_CACHED_TOKENS) {
                tokens.clear();
            }
        }
        tokens.put(key, token);
    }

    /**
     * Sends a GET and follows redirects itself, dropping the credentials when the host or scheme changes and
     * refusing a redirect from HTTPS to plain HTTP.
     */
    private HttpResponse<InputStream> follow(String credentialHost, URI uri, String accept, String authorization)
            throws IOException, InterruptedException {
        URI current = uri;
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(current).timeout(responseTimeout).GET()
                    .header("Accept", accept).header("User-Agent", "jcri");
            if (authorization != null && hostPort(current).equals(credentialHost)
                    && current.getScheme().equals(uri.getScheme())) {
                b.header("Authorization", authorization);
            }
            HttpResponse<InputStream> r = send(b.build());
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
            URI next;
            try {
                next = current.resolve(location);
            } catch (IllegalArgumentException e) {
                throw new CriException(ErrorKind.FAILED_PRECONDITION, "registry " + hostPort(current)
                        + " redirected to an invalid location", e);
            }
            if (!"https".equalsIgnoreCase(next.getScheme()) && !"http".equalsIgnoreCase(next.getScheme())
                    || current.getScheme().equals("https") && !"https".equalsIgnoreCase(next.getScheme())) {
                throw new CriException(ErrorKind.FAILED_PRECONDITION, "registry " + hostPort(current)
                        + " redirected an " + current.getScheme().toUpperCase() + " request to " + next.getScheme()
                        + "://" + next.getRawAuthority() + "; jcri follows no redirect from HTTPS to plain HTTP");
            }
            current = next;
        }
    }

    private HttpResponse<InputStream> send(HttpRequest request) throws IOException, InterruptedException {
        try {
            return http().send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (SSLException e) {
            throw new TlsFailure(hostPort(request.uri()), e);
        } catch (HttpConnectTimeoutException e) {
            if (request.uri().getScheme().equals("https") && Loopback.is(hostPort(request.uri()))) {
                // the TCP connection to this machine is instant: what timed out is the TLS handshake
                throw new TlsFailure(hostPort(request.uri()), e);
            }
            throw e;
        }
    }

    private CachedToken fetchToken(RegistryEndpoint ep, URI challenged, WwwAuthenticate wa, String scope,
                                   RegistryAuth auth) throws IOException, InterruptedException {
        if (!auth.registryToken().isEmpty()) {
            return new CachedToken("Bearer " + auth.registryToken(), Instant.MAX);
        }
        URI realm = realm(ep, wa);
        boolean secrets = auth.hasBasic() || !auth.identityToken().isEmpty();
        boolean sameOrigin = challenged.getScheme().equals(realm.getScheme()) && hostPort(realm).equals(ep.host());
        if (secrets && !realm.getScheme().equals("https") && !sameOrigin) {
            throw new CriException(ErrorKind.FAILED_PRECONDITION, "registry " + ep.host() + " sends for a token "
                    + "to " + realm.getScheme() + "://" + realm.getRawAuthority() + ": jcri sends credentials to a "
                    + "token server only over HTTPS, or to a plain-HTTP registry's own host and port");
        }
        String service = wa.params().getOrDefault("service", "");
        String wantedScope = wa.params().getOrDefault("scope", scope);
        HttpRequest.Builder b;
        if (!auth.identityToken().isEmpty()) {
            String form = "grant_type=refresh_token&client_id=jcri&service=" + enc(service) + "&scope="
                    + enc(wantedScope) + "&refresh_token=" + enc(auth.identityToken());
            b = HttpRequest.newBuilder(realm).POST(HttpRequest.BodyPublishers.ofString(form))
                    .header("Content-Type", "application/x-www-form-urlencoded");
        } else {
            String q = (service.isEmpty() ? "" : "service=" + enc(service) + "&") + "scope=" + enc(wantedScope);
            String r = realm.toString();
            b = HttpRequest.newBuilder(URI.create(r + (r.contains("?") ? "&" : "?") + q)).GET();
            if (auth.hasBasic()) {
                b.header("Authorization", basic(auth));
            }
        }
        HttpResponse<InputStream> r = send(b.timeout(responseTimeout).header("User-Agent", "jcri").build());
        byte[] bytes;
        try (InputStream body = r.body()) {
            if (r.statusCode() == 429 || r.statusCode() >= 500) {
                throw new Retries.Transient("token server " + hostPort(realm) + " answered " + r.statusCode());
            }
            if (r.statusCode() != 200) {
                throw unauthorized(ep, auth);
            }
            bytes = body.readNBytes(MAX_TOKEN_RESPONSE_BYTES + 1);
        }
        if (bytes.length > MAX_TOKEN_RESPONSE_BYTES) {
            throw new CriException(ErrorKind.RESOURCE_EXHAUSTED, "token server " + hostPort(realm)
                    + " answered with more than " + MAX_TOKEN_RESPONSE_BYTES + " bytes, more than a token needs");
        }
        JsonNode body = JSON.readTree(bytes);
        String token = body.path("token").asText(body.path("access_token").asText(""));
        if (token.isEmpty()) {
            throw new CriException(ErrorKind.UNAVAILABLE, "token server " + hostPort(realm)
                    + " answered without a token");
        }
        long expiresIn = Math.max(60, body.path("expires_in").asLong(60));
        return new CachedToken("Bearer " + token, Instant.now().plusSeconds(expiresIn).minus(TOKEN_SLACK));
    }

    private static URI realm(RegistryEndpoint ep, WwwAuthenticate wa) {
        String realm = wa.params().get("realm");
        if (realm == null || realm.isEmpty()) {
            throw new CriException(ErrorKind.UNAVAILABLE, "registry " + ep.host() + " asked for a bearer token "
                    + "without naming a realm");
        }
        URI uri;
        try {
            uri = URI.create(realm);
        } catch (IllegalArgumentException e) {
            throw new CriException(ErrorKind.UNAVAILABLE, "registry " + ep.host() + " named a token realm that "
                    + "is not a URI", e);
        }
        if (uri.getHost() == null || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
            throw new CriException(ErrorKind.UNAVAILABLE, "registry " + ep.host() + " named a token realm that "
                    + "is not an http(s) URL");
        }
        return uri;
    }

    private static String initialAuthorization(RegistryAuth auth) {
        if (!auth.registryToken().isEmpty()) {
            return "Bearer " + auth.registryToken();
        }
        return null;
    }

    private static CriException unauthorized(RegistryEndpoint ep, RegistryAuth auth) {
        return new CriException(ErrorKind.FAILED_PRECONDITION, "registry " + ep.host() + " refused access to "
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
