package io.jcri.server.cli;

import io.jcri.cri.CriClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Where the {@code jcri} client verbs connect and with which TLS files: flags first, then {@code JCRI_HOST} and
 * {@code JCRI_TLS_DIR} (ca.pem, cert.pem and key.pem, as Docker's DOCKER_CERT_PATH), then the local socket.
 */
public final class ClientOptions {
    static final String DEFAULT_HOST = "unix:///run/jcri/jcri.sock";
    /** Deadline of each call; a node that does not answer is reported well before a person gives up. */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    @Option(names = {"-H", "--host"}, paramLabel = "ENDPOINT",
            description = "unix:///PATH or tcp://HOST:PORT (default: $JCRI_HOST, else " + DEFAULT_HOST + ").")
    String host;

    @Option(names = "--tlscacert", paramLabel = "FILE", description = "CA that signed the server's certificate.")
    Path caFile;

    @Option(names = "--tlscert", paramLabel = "FILE", description = "Client certificate (PEM).")
    Path certFile;

    @Option(names = "--tlskey", paramLabel = "FILE", description = "Client certificate's key (PEM, PKCS#8).")
    Path keyFile;

    private final Map<String, String> env;

    public ClientOptions() {
        this(System.getenv());
    }

    ClientOptions(Map<String, String> env) {
        this.env = env;
    }

    /** The endpoint to call. */
    String endpoint() {
        if (host != null && !host.isBlank()) {
            return host;
        }
        String fromEnv = env.get("JCRI_HOST");
        return fromEnv != null && !fromEnv.isBlank() ? fromEnv : DEFAULT_HOST;
    }

    /** The TLS files, or {@code null} when none were given. */
    CriClients.Tls tls() {
        if (caFile != null || certFile != null || keyFile != null) {
            if (caFile == null || certFile == null || keyFile == null) {
                throw new CliException("--tlscacert, --tlscert and --tlskey go together: give all three");
            }
            return new CriClients.Tls(caFile, certFile, keyFile);
        }
        String dir = env.get("JCRI_TLS_DIR");
        return dir != null && !dir.isBlank() ? CriClients.Tls.inDirectory(Path.of(dir)) : null;
    }

    /** A client for the endpoint; the connection itself is made by the first call. */
    CriClients connect() {
        String endpoint = endpoint();
        CriClients.Tls tls = tls();
        if (endpoint.startsWith("tcp://") && tls == null) {
            throw new CliException(endpoint + " needs TLS: give --tlscacert, --tlscert and --tlskey, or set "
                    + "JCRI_TLS_DIR to a directory holding ca.pem, cert.pem and key.pem");
        }
        if (tls != null) {
            for (Path f : new Path[] {tls.caFile(), tls.certFile(), tls.keyFile()}) {
                if (!f.toFile().canRead()) {
                    throw new CliException("TLS file " + f + " does not exist or cannot be read");
                }
            }
        }
        try {
            return CriClients.connect(endpoint, new CriClients.Options(tls, CALL_TIMEOUT));
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
    }
}
