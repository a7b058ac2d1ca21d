package io.jcri.server;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.jcri.cni.CniConfigLoader;
import io.jcri.cri.CriClients;
import io.jcri.image.ImageService;
import io.jcri.image.KeptUsage;
import io.jcri.image.UsageSweeper;
import io.jcri.image.registry.Platform;
import io.jcri.oci.cgroup.CgroupDriver;
import io.jcri.oci.cgroup.CgroupManager;
import io.jcri.runtime.sandbox.SandboxService;
import io.jcri.runtime.sandbox.SandboxSettings;
import io.jcri.oci.runtime.OciRuntimes;
import io.jcri.oci.sys.SdNotify;
import io.jcri.runtime.container.ContainerService;
import io.jcri.runtime.stream.StreamService;
import io.jcri.oci.cgroup.CgroupStats;
import io.jcri.runtime.events.ContainerEventPublisher;
import io.jcri.runtime.events.EventBus;
import io.jcri.runtime.events.ExitWatcher;
import io.jcri.runtime.events.PodStatuses;
import io.jcri.runtime.stats.StatsCollector;
import io.jcri.server.streaming.RuntimeStreamingBackend;
import io.jcri.server.streaming.StreamingServer;
import io.jcri.runtime.container.ContainerSettings;
import io.jcri.server.config.JcriConfig;
import io.jcri.server.grpc.CallInterceptor;
import io.jcri.server.grpc.ContainerLogsImpl;
import io.jcri.server.grpc.ImageServiceImpl;
import io.jcri.server.grpc.RuntimeServiceImpl;
import io.jcri.server.inspect.InspectServer;
import io.jcri.server.metrics.MetricsEndpoint;
import io.jcri.server.metrics.MetricsSwitch;
import io.jcri.server.reload.ConfigReloader;
import io.jcri.server.reload.RunningConfig;
import io.jcri.server.remote.RemoteListener;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.jcri.server.status.NodeRuntimeConfig;
import io.jcri.server.status.RuntimeConditions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running jcri: starts its components in order (state lock, services, recovery, socket), serves until
 * {@link #stop()}, then stops them in reverse with a grace period for calls in flight.
 */
public final class Daemon {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    /** Container events a GetContainerEvents client may fall behind before it is dropped. */
    private static final int EVENT_BUFFER = 1000;
    /**
     * Disk usage is kept, not measured per call; sweeps correct it. Layers and blobs change only by pulls and
     * removals, which report their changes, so they are swept rarely. Writable layers change as containers write,
     * and are swept every 10 s, as containerd's CRI plugin measures its snapshots (stats_collect_period).
     */
    private static final Duration IMAGE_USAGE_PERIOD = Duration.ofMinutes(5);
    private static final Duration CONTAINER_USAGE_PERIOD = Duration.ofSeconds(10);
    /** Between two entries of a sweep: 110 writable layers are walked over ~1 s, not in one burst. */
    private static final Duration USAGE_SWEEP_PAUSE = Duration.ofMillis(10);

    private final JcriConfig config;
    private final Path configFile;
    private final AtomicBoolean ready = new AtomicBoolean();
    private final ExecutorService callExecutor = Executors.newVirtualThreadPerTaskExecutor();
    private SocketGuard guard;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Server server;
    private HealthStatusManager health;
    private final PrometheusMeterRegistry meters = MetricsEndpoint.newRegistry();
    private final MetricsSwitch metrics = new MetricsSwitch(meters);
    private RemoteListener remote;
    private InspectServer inspect;
    private ConfigReloader reloader;
    private StreamingServer streaming;
    private ContainerEventPublisher eventPublisher;
    private ExitWatcher exitWatcher;
    private UsageSweeper usageSweeper;

    /** @param configFile the file {@code config} was read from, read again by {@link #reload()} */
    public Daemon(JcriConfig config, Path configFile) {
        this.config = config;
        this.configFile = configFile;
    }

    /** Starts serving; returns once the socket accepts calls. */
    public void start() throws IOException {
        Path socket = Path.of(config.server().socket());
        PrivateRoots.secure(Path.of(config.state().root()), Path.of(config.state().runRoot()));
        guard = SocketGuard.acquire(Path.of(config.state().root()), socket);
        CniConfigLoader cni = new CniConfigLoader(Path.of(config.cni().confDir()),
                config.cni().binDirs().stream().map(Path::of).toList());
        String defaultBinary = config.runtime().handlers().get(config.runtime().defaultHandler()).binary();
        RuntimeConditions conditions = new RuntimeConditions(defaultBinary, cni);
        ImageService images = ImageService.open(new ImageService.Settings(Path.of(config.state().root()),
                Path.of(config.image().registriesConf()), Path.of(config.image().authFile()),
                config.image().maxConcurrentDownloads(),
                Duration.ofSeconds(config.image().pullProgressTimeoutSeconds()),
                config.image().maxLayerUnpackedBytes(), Platform.parse(config.image().platform())));
        JcriConfig.Runtime rt = config.runtime();
        CgroupManager hostCgroups = CgroupManager.forHost(CgroupDriver.of(rt.cgroupDriver()));
        NodeRuntimeConfig node = new NodeRuntimeConfig(rt.cgroupDriver());
        EventBus events = new EventBus(EVENT_BUFFER);
        // Made before the services that report to it; it publishes once it can read their statuses (below).
        eventPublisher = new ContainerEventPublisher(events);
        SandboxService sandboxes = SandboxService.open(new SandboxSettings(Path.of(config.state().runRoot()),
                rt.handlers().keySet(), rt.defaultHandler(), rt.cgroupParent(), rt.infraBinary(),
                rt.handlers().entrySet().stream().filter(e -> OciRuntimes.supportsUserNamespaces(
                        new OciRuntimes.HandlerConfig(e.getValue().binary(), e.getValue().root())))
                        .map(Map.Entry::getKey).collect(java.util.stream.Collectors.toSet())),
                Path.of(config.state().root()), hostCgroups, cni,
                Duration.ofSeconds(config.cni().pluginTimeoutSeconds()), node::podCidr, eventPublisher);
        Map<String, OciRuntimes.HandlerConfig> handlers = new java.util.HashMap<>();
        rt.handlers().forEach((name, h) -> handlers.put(name, new OciRuntimes.HandlerConfig(h.binary(), h.root())));
        ContainerService containers = ContainerService.open(new ContainerSettings(Path.of(config.state().root()),
                Path.of(config.state().runRoot()), handlers, rt.conmon(), rt.defaultUlimits(),
                hostCgroups.layout().unified(), config.checkpoint().criuPath(),
                config.cdi().specDirs().stream().map(Path::of).toList()), sandboxes, images, eventPublisher);
        eventPublisher.start(PodStatuses.of(sandboxes, containers));
        containers.recover();
        sandboxes.recover(containers);
        exitWatcher = ExitWatcher.start(containers.exitDir(), containers::exitObserved);
        Path containersDir = Path.of(config.state().root(), "containers");
        KeptUsage containerLayers = new KeptUsage(containersDir, "upper", Clock.systemUTC());
        usageSweeper = new UsageSweeper(USAGE_SWEEP_PAUSE);
        usageSweeper.every(IMAGE_USAGE_PERIOD, "the image filesystem", images::sweepUsage);
        usageSweeper.every(CONTAINER_USAGE_PERIOD, "container writable layers", containerLayers::sweep);
        StatsCollector stats = new StatsCollector(containers, sandboxes, new CgroupStats(hostCgroups.layout()),
                containersDir, containerLayers, Clock.systemUTC());
        streaming = new StreamingServer(new RuntimeStreamingBackend(new StreamService(containers, sandboxes)),
                new StreamingServer.Limits(Duration.ofSeconds(config.streaming().idleTimeoutSeconds()),
                        Duration.ofSeconds(config.streaming().requestTimeoutSeconds()),
                        config.streaming().maxConnections()),
                StreamingServer.tls(config.streaming().tlsCertFile(), config.streaming().tlsKeyFile()),
                Clock.systemUTC());
        try {
            streaming.start(config.streaming().address(), config.streaming().port());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the streaming server", e);
        }

        Gauge.builder("jcri.streaming.connections", streaming, StreamingServer::openConnections)
                .description("streaming (exec, attach, port-forward) connections open").register(meters);
        FunctionCounter.builder("jcri.streaming.connections.refused", streaming,
                        StreamingServer::refusedConnections)
                .description("streaming connections closed at once: streaming.max_connections were open")
                .register(meters);
        CallInterceptor interceptor = new CallInterceptor(ready::get, meters);
        metrics.apply(config.metrics());
        health = new HealthStatusManager();
        boss = new EpollEventLoopGroup(1);
        workers = new EpollEventLoopGroup(2);
        RunningConfig running = new RunningConfig(config);
        RuntimeServiceImpl runtimeApi = new RuntimeServiceImpl(conditions, running::json, node,
                sandboxes, containers, streaming, stats, events);
        ImageServiceImpl imageApi = new ImageServiceImpl(images, containerLayers);
        List<ServerServiceDefinition> cri = List.of(runtimeApi.bindService(), imageApi.bindService(),
                new ContainerLogsImpl(containers).bindService());
        if (config.remote().enabled()) {
            remote = RemoteListener.start(config.remote(), cri, interceptor, callExecutor);
        }
        reloader = new ConfigReloader(configFile, running, images, remote, streaming, metrics, conditions);
        // Everything else is served before the CRI socket appears: its existence is what kubelet, scripts and
        // tests take as "the daemon is up".
        if (config.inspect().enabled()) {
            inspect = InspectServer.start(Path.of(config.inspectSocket()), config.server().socketGroup(), runtimeApi,
                    imageApi, running::json, Path.of(config.state().root(), "containers"),
                    config.inspect().maxConnections());
            Gauge.builder("jcri.inspect.connections", inspect, InspectServer::openConnections)
                    .description("inspect API connections being served").register(meters);
            FunctionCounter.builder("jcri.inspect.connections.refused", inspect, InspectServer::refusedConnections)
                    .description("inspect API connections closed at once: inspect.max_connections were open")
                    .register(meters);
        }
        ready.set(true);
        // Assigned as soon as it runs, so that stop() shuts it down even when the socket cannot be put in place.
        guard.bind(config.server().socketGroup(), at -> {
            NettyServerBuilder unix = NettyServerBuilder.forAddress(new DomainSocketAddress(at.toString()))
                    .channelType(EpollServerDomainSocketChannel.class)
                    .bossEventLoopGroup(boss)
                    .workerEventLoopGroup(workers)
                    .executor(callExecutor)
                    .maxInboundMessageSize(CriClients.MAX_MESSAGE_BYTES)
                    .addService(health.getHealthService())
                    .addService(ProtoReflectionServiceV1.newInstance());
            cri.forEach(service -> unix.addService(ServerInterceptors.intercept(service, interceptor)));
            server = unix.build().start();
        });
        SdNotify.send("READY=1");
        LOG.info("jcri {} serving CRI v1 on unix://{} (state {}, run {})", BuildInfo.version(), socket,
                config.state().root(), config.state().runRoot());
        for (var c : conditions.evaluate()) {
            LOG.info("{}={}{}", c.getType(), c.getStatus(), c.getStatus() ? "" : " (" + c.getMessage() + ")");
        }
    }

    /** Reads the configuration file again and applies what can change while running (SIGHUP). */
    public boolean reload() {
        return reloader != null && reloader.reload();
    }

    /** Stops accepting calls, lets calls in flight finish within the grace period, then releases everything. */
    public void stop() {
        LOG.info("stopping: letting calls in flight finish for up to {}s", config.server().shutdownGraceSeconds());
        ready.set(false);
        SdNotify.send("STOPPING=1");
        if (health != null) {
            health.enterTerminalState();
        }
        if (inspect != null) {
            inspect.close();
        }
        if (remote != null) {
            remote.shutdown();
        }
        if (server != null) {
            server.shutdown();
            try {
                if (!server.awaitTermination(config.server().shutdownGraceSeconds(), TimeUnit.SECONDS)) {
                    LOG.warn("calls still running after the grace period; cancelling them");
                    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (remote != null) {
            remote.close();
        }
        for (EventLoopGroup g : Arrays.asList(boss, workers)) {
            if (g != null) {
                g.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            }
        }
        callExecutor.shutdownNow();
        if (streaming != null) {
            streaming.close();
        }
        for (AutoCloseable c : Arrays.asList(exitWatcher, eventPublisher, usageSweeper)) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.warn("stopping {}: {}", c.getClass().getSimpleName(), e.getMessage());
                }
            }
        }
        metrics.close();
        if (guard != null) {
            try {
                guard.close();
            } catch (IOException e) {
                LOG.warn("releasing the socket and state lock: {}", e.getMessage());
            }
        }
        LOG.info("stopped");
    }
}
