package io.jcri.server;

import io.jcri.server.cli.ClientOptions;
import io.jcri.server.cli.ImagesVerb;
import io.jcri.server.cli.InfoVerb;
import io.jcri.server.cli.InspectVerb;
import io.jcri.server.cli.LogsVerb;
import io.jcri.server.cli.PodsVerb;
import io.jcri.server.cli.PsVerb;
import io.jcri.server.cli.StatsVerb;
import io.jcri.server.cli.VersionVerb;
import io.jcri.server.config.ConfigException;
import io.jcri.server.config.ConfigLoader;
import io.jcri.server.config.JcriConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The {@code jcri} command: the daemon ({@code serve}), its configuration ({@code config}), and the client verbs
 * that call a daemon on its socket or remotely ({@code version}, {@code info}, {@code ps}, ...).
 */
@Command(name = "jcri", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A Kubernetes CRI runtime service, and a client for it.",
        subcommands = {Main.Serve.class, Main.PrintConfig.class, VersionVerb.class, InfoVerb.class, PsVerb.class,
                PodsVerb.class, ImagesVerb.class, InspectVerb.class, LogsVerb.class, StatsVerb.class})
public final class Main implements Callable<Integer> {
    static final String DEFAULT_CONFIG = "/etc/jcri/jcri.toml";

    /** Where the client verbs connect; read by them through their parent command. */
    @Mixin(name = "client")
    ClientOptions client;

    public static void main(String[] args) {
        // The daemon's start is on the clock (kubelet waits for it after every restart): its command line is read
        // here directly, sparing picocli's reflective model of every verb (about 200 ms of a cold JVM).
        Path serveConfig = serveConfig(args);
        if (serveConfig != null) {
            Serve serve = new Serve();
            serve.config = serveConfig;
            int code;
            try {
                code = serve.call();
            } catch (Exception e) {
                // As picocli reports a command's failure: the trace on stderr, exit status 1.
                e.printStackTrace();
                code = 1;
            }
            System.exit(code);
        }
        System.exit(new CommandLine(new Main()).execute(args));
    }

    /**
     * The configuration file of {@code serve}, {@code serve --config FILE} or {@code serve --config=FILE}; null
     * for any other command line, which picocli then reads (help, errors and the other verbs).
     */
    static Path serveConfig(String[] args) {
        if (args.length == 0 || !args[0].equals("serve")) {
            return null;
        }
        String file = switch (args.length) {
            case 1 -> DEFAULT_CONFIG;
            case 2 -> args[1].startsWith("--config=") ? args[1].substring("--config=".length()) : null;
            case 3 -> args[1].equals("--config") ? args[2] : null;
            default -> null;
        };
        return file == null || file.isEmpty() || file.startsWith("-") ? null : Path.of(file);
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 0;
    }

    static JcriConfig loadConfig(Path file) {
        return ConfigLoader.load(file);
    }

    /** Runs the daemon in the foreground until SIGTERM or SIGINT. */
    @Command(name = "serve", description = "Run the CRI daemon in the foreground.")
    static final class Serve implements Callable<Integer> {
        @Option(names = "--config", description = "TOML configuration file (default: ${DEFAULT-VALUE}).",
                defaultValue = DEFAULT_CONFIG)
        Path config;

        @Override
        public Integer call() throws Exception {
            JcriConfig cfg;
            try {
                cfg = loadConfig(config);
            } catch (ConfigException e) {
                System.err.println("jcri: " + e.getMessage());
                return 2;
            }
            configureLogging(cfg.server().logLevel());
            Daemon daemon = new Daemon(cfg, config);
            CountDownLatch stop = new CountDownLatch(1);
            Signal.handle(new Signal("TERM"), s -> stop.countDown());
            Signal.handle(new Signal("INT"), s -> stop.countDown());
            if (Signal.handle(new Signal("HUP"), s -> daemon.reload()) == SignalHandler.SIG_IGN) {
                // The JVM installs no handler for a signal ignored when it started (nohup ignores SIGHUP), and
                // Signal.handle then only returns SIG_IGN: without this line a reload would do nothing, silently.
                System.err.println("jcri: SIGHUP was ignored when jcri started (nohup?): the configuration is not"
                        + " reloaded on SIGHUP; start jcri with SIGHUP at its default to reload it");
            }
            try {
                daemon.start();
            } catch (DaemonStartException e) {
                System.err.println("jcri: " + e.getMessage());
                daemon.stop();
                return 1;
            }
            stop.await();
            daemon.stop();
            return 0;
        }
    }

    /** Prints the effective configuration, every default included. */
    @Command(name = "config", description = "Print the effective configuration with every default.")
    static final class PrintConfig implements Callable<Integer> {
        @Option(names = "--config", description = "TOML configuration file (default: ${DEFAULT-VALUE}).",
                defaultValue = DEFAULT_CONFIG)
        Path config;

        @Override
        public Integer call() {
            try {
                System.out.print(ConfigLoader.toToml(loadConfig(config)));
                return 0;
            } catch (ConfigException e) {
                System.err.println("jcri: " + e.getMessage());
                return 2;
            }
        }
    }

    /** Feeds picocli's --version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {BuildInfo.NAME + " " + BuildInfo.version()};
        }
    }

    private static void configureLogging(String level) {
        // Log records go to standard error; strings from outside in them must not forge records (see the class).
        System.setErr(new EscapingLogStream(System.err));
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
        System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        System.setProperty("org.slf4j.simpleLogger.log.io.grpc.netty.shaded", "warn");
        // grpc asks every accepted connection for SO_KEEPALIVE, which UNIX sockets lack: one warning per call
        System.setProperty("org.slf4j.simpleLogger.log.io.grpc.netty.shaded.io.netty.bootstrap", "error");
    }
}
