package io.jcri.server;

import io.jcri.server.config.ConfigException;
import io.jcri.server.config.ConfigLoader;
import io.jcri.server.config.JcriConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** The {@code jcri} command: {@code serve}, {@code config}, {@code version}. */
@Command(name = "jcri", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A Kubernetes CRI runtime service.",
        subcommands = {Main.Serve.class, Main.PrintConfig.class, Main.PrintVersion.class})
public final class Main implements Callable<Integer> {
    static final String DEFAULT_CONFIG = "/etc/jcri/jcri.toml";

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
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
            Daemon daemon = new Daemon(cfg);
            CountDownLatch stop = new CountDownLatch(1);
            Signal.handle(new Signal("TERM"), s -> stop.countDown());
            Signal.handle(new Signal("INT"), s -> stop.countDown());
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

    /** Prints the version. */
    @Command(name = "version", description = "Print the version.")
    static final class PrintVersion implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.println(BuildInfo.NAME + " " + BuildInfo.version() + " (CRI v1)");
            return 0;
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
