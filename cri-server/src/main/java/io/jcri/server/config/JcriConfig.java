package io.jcri.server.config;

import io.jcri.image.registry.Platform;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The effective configuration of a jcri daemon: every section with its defaults filled in. Read from TOML by
 * {@link ConfigLoader}; keys are the snake_case forms of the component names below (see docs/config.md).
 */
public record JcriConfig(Server server, State state, Runtime runtime, Cni cni, Image image, Streaming streaming,
                         Metrics metrics, Remote remote, Inspect inspect, Checkpoint checkpoint, Cdi cdi) {

    public JcriConfig {
        server = Objects.requireNonNullElseGet(server, () -> new Server(null, null, null, null));
        state = Objects.requireNonNullElseGet(state, () -> new State(null, null));
        runtime = Objects.requireNonNullElseGet(runtime, () -> new Runtime(null, null, null, null, null, null, null));
        cni = Objects.requireNonNullElseGet(cni, () -> new Cni(null, null, null));
        image = Objects.requireNonNullElseGet(image, () -> new Image(null, null, null, null, null, null));
        streaming = Objects.requireNonNullElseGet(streaming, () -> new Streaming(null, null, null, null, null, null, null));
        metrics = Objects.requireNonNullElseGet(metrics, () -> new Metrics(null, null, null));
        remote = Objects.requireNonNullElseGet(remote, () -> new Remote(null, null, null, null, null));
        inspect = Objects.requireNonNullElseGet(inspect, () -> new Inspect(null, null, null));
        checkpoint = Objects.requireNonNullElseGet(checkpoint, () -> new Checkpoint(null));
        cdi = Objects.requireNonNullElseGet(cdi, () -> new Cdi(null));
    }

    /** All defaults: what jcri runs with when there is no configuration file. */
    public static JcriConfig defaults() {
        return new JcriConfig(null, null, null, null, null, null, null, null, null, null, null);
    }

    /** The CRI socket and the daemon's own behaviour. */
    public record Server(String socket, String socketGroup, Integer shutdownGraceSeconds, String logLevel) {
        public Server {
            socket = Objects.requireNonNullElse(socket, "/run/jcri/jcri.sock");
            socketGroup = Objects.requireNonNullElse(socketGroup, "root");
            shutdownGraceSeconds = Objects.requireNonNullElse(shutdownGraceSeconds, 10);
            logLevel = Objects.requireNonNullElse(logLevel, "info");
        }
    }

    /** Where state lives: {@code root} survives reboots, {@code run_root} is volatile. */
    public record State(String root, String runRoot) {
        public State {
            root = Objects.requireNonNullElse(root, "/var/lib/jcri");
            runRoot = Objects.requireNonNullElse(runRoot, "/run/jcri");
        }
    }

    /** OCI runtimes, the monitor and cgroups. */
    public record Runtime(String defaultHandler, Map<String, Handler> handlers, String conmon, String cgroupDriver,
                          String cgroupParent, String infraBinary, Map<String, Long> defaultUlimits) {
        public Runtime {
            defaultHandler = Objects.requireNonNullElse(defaultHandler, "runc");
            handlers = Map.copyOf(Objects.requireNonNullElseGet(handlers,
                    () -> Map.of("runc", new Handler("runc", null), "crun", new Handler("crun", null))));
            conmon = Objects.requireNonNullElse(conmon, "conmon");
            cgroupDriver = Objects.requireNonNullElse(cgroupDriver, "cgroupfs");
            cgroupParent = Objects.requireNonNullElse(cgroupParent, "/jcri");
            infraBinary = Objects.requireNonNullElse(infraBinary, "catatonit");
            defaultUlimits = Map.copyOf(Objects.requireNonNullElseGet(defaultUlimits,
                    () -> Map.of("nofile", 1048576L)));
        }
    }

    /**
     * One runtime handler: the OCI runtime binary (a name looked up on PATH, or an absolute path) and its state
     * root ({@code --root}; empty means a directory under jcri's run root).
     */
    public record Handler(String binary, String root) {
        public Handler {
            binary = Objects.requireNonNullElse(binary, "runc");
            root = Objects.requireNonNullElse(root, "");
        }
    }

    /**
     * Container Device Interface: the directories of CDI spec files, lowest priority first (a device defined in a
     * later one overrides an earlier one's). Read when a container asks for CDI devices and a file there changed.
     */
    public record Cdi(List<String> specDirs) {
        public Cdi {
            specDirs = List.copyOf(Objects.requireNonNullElseGet(specDirs, () -> List.of("/etc/cdi", "/var/run/cdi")));
        }
    }

    /** CNI configuration and plugin directories. */
    public record Cni(String confDir, List<String> binDirs, Integer pluginTimeoutSeconds) {
        public Cni {
            confDir = Objects.requireNonNullElse(confDir, "/etc/cni/net.d");
            binDirs = List.copyOf(Objects.requireNonNullElseGet(binDirs, () -> List.of("/opt/cni/bin", "/usr/lib/cni")));
            pluginTimeoutSeconds = Objects.requireNonNullElse(pluginTimeoutSeconds, 60);
        }
    }

    /**
     * Image pulls, the registries configuration and the credentials file. {@code platform}
     * ({@code os/architecture[/variant]}) is whose manifest is taken from an image index: by default the node's own.
     */
    public record Image(String registriesConf, Integer maxConcurrentDownloads, Integer pullProgressTimeoutSeconds,
                        String authFile, Long maxLayerUnpackedBytes, String platform) {
        public Image {
            platform = Objects.requireNonNullElseGet(platform, () -> Platform.host().toString());
            maxLayerUnpackedBytes = Objects.requireNonNullElse(maxLayerUnpackedBytes, 64L << 30);
            registriesConf = Objects.requireNonNullElse(registriesConf, "/etc/containers/registries.conf");
            authFile = Objects.requireNonNullElse(authFile, "");
            maxConcurrentDownloads = Objects.requireNonNullElse(maxConcurrentDownloads, 3);
            pullProgressTimeoutSeconds = Objects.requireNonNullElse(pullProgressTimeoutSeconds, 300);
        }
    }

    /**
     * The streaming server for exec, attach and port-forward. Port 0 picks a free port. With a certificate and
     * key (PEM; the key in PKCS#8) it serves HTTPS; empty means plain HTTP. A connection must send its request
     * within the request timeout, and at most {@code maxConnections} may be open at once.
     */
    public record Streaming(String address, Integer port, Integer idleTimeoutSeconds, String tlsCertFile,
                            String tlsKeyFile, Integer requestTimeoutSeconds, Integer maxConnections) {
        public Streaming {
            address = Objects.requireNonNullElse(address, "127.0.0.1");
            port = Objects.requireNonNullElse(port, 0);
            idleTimeoutSeconds = Objects.requireNonNullElse(idleTimeoutSeconds, 4 * 3600);
            tlsCertFile = Objects.requireNonNullElse(tlsCertFile, "");
            tlsKeyFile = Objects.requireNonNullElse(tlsKeyFile, "");
            requestTimeoutSeconds = Objects.requireNonNullElse(requestTimeoutSeconds, 30);
            maxConnections = Objects.requireNonNullElse(maxConnections, 256);
        }
    }

    /** The Prometheus endpoint, off by default. */
    public record Metrics(Boolean enabled, String address, Integer port) {
        public Metrics {
            enabled = Objects.requireNonNullElse(enabled, false);
            address = Objects.requireNonNullElse(address, "127.0.0.1");
            port = Objects.requireNonNullElse(port, 9099);
        }
    }

    /**
     * The remote CRI listener: gRPC over TCP with mutual TLS only. An empty address (the default) means off; with
     * an address, the server certificate, its key and the CA that signs client certificates are required.
     * {@code allowedSubjects}, when not empty, lists the client certificate subject CNs that may connect.
     */
    public record Remote(String address, String tlsCertFile, String tlsKeyFile, String clientCaFile,
                         List<String> allowedSubjects) {
        public Remote {
            address = Objects.requireNonNullElse(address, "");
            tlsCertFile = Objects.requireNonNullElse(tlsCertFile, "");
            tlsKeyFile = Objects.requireNonNullElse(tlsKeyFile, "");
            clientCaFile = Objects.requireNonNullElse(clientCaFile, "");
            allowedSubjects = List.copyOf(Objects.requireNonNullElseGet(allowedSubjects, List::of));
        }

        public boolean enabled() {
            return !address.isEmpty();
        }
    }

    /**
     * The read-only HTTP inspect API on a UNIX socket. An empty socket path means {@code jcri-inspect.sock} in the
     * run root, so that daemons with their own run roots never share one.
     */
    public record Inspect(Boolean enabled, String socket, Integer maxConnections) {
        public Inspect {
            enabled = Objects.requireNonNullElse(enabled, true);
            socket = Objects.requireNonNullElse(socket, "");
            maxConnections = Objects.requireNonNullElse(maxConnections, 64);
        }
    }

    /**
     * Checkpoint and restore: the CRIU binary (a name on PATH or an absolute path) that the OCI runtimes run;
     * {@code scripts/install-deps.sh} installs a working one at the default path.
     */
    public record Checkpoint(String criuPath) {
        public Checkpoint {
            criuPath = Objects.requireNonNullElse(criuPath, "/opt/jcri/criu/bin/criu");
        }
    }

    /** Where the inspect API listens: the configured socket, or {@code jcri-inspect.sock} in the run root. */
    public String inspectSocket() {
        return inspect.socket().isEmpty() ? state.runRoot() + "/jcri-inspect.sock" : inspect.socket();
    }
}
