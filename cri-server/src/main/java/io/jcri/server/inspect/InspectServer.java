package io.jcri.server.inspect;

import io.grpc.netty.shaded.io.netty.bootstrap.ServerBootstrap;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFuture;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpServerCodec;
import io.jcri.cri.v1.ImageServiceGrpc;
import io.jcri.cri.v1.RuntimeServiceGrpc;
import io.jcri.server.ConnectionLimit;
import io.jcri.server.DaemonStartException;
import io.jcri.server.RestrictedSocket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read-only inspect API: HTTP/1.1 with JSON answers on a UNIX socket of the CRI socket's mode and group, one
 * request per connection, served with Netty's HTTP codec as the streaming server is. Requests are bounded in size
 * and time; anything but GET on a known path answers 405, an unknown path 404.
 */
public final class InspectServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InspectServer.class);
    /** The request line, and the headers, each at most this long; a GET has no body. */
    static final int MAX_REQUEST_BYTES = 16 * 1024;
    /** A connection that has not sent its request and taken the answer by then is closed. */
    private static final Duration EXCHANGE_TIMEOUT = Duration.ofSeconds(30);

    private final Path socket;
    private final EventLoopGroup group;
    private final Channel listener;
    private final ConnectionLimit connections;
    private final ExecutorService calls;

    private InspectServer(Path socket, EventLoopGroup group, Channel listener, ConnectionLimit connections,
                          ExecutorService calls) {
        this.socket = socket;
        this.group = group;
        this.listener = listener;
        this.connections = connections;
        this.calls = calls;
    }

    /**
     * Binds {@code socket} (replacing a stale file, refusing one another server answers on), gives it mode 0660
     * and {@code group}, and serves.
     *
     * @param containersDir  where container bundles live ({@code <state root>/containers})
     * @param maxConnections connections served at once; one more is closed as soon as it is accepted (each holds
     *                       a descriptor, buffers and up to 30 s of a timer: a local client opening them without
     *                       end must not take the daemon's descriptors)
     */
    public static InspectServer start(Path socket, String group, RuntimeServiceGrpc.RuntimeServiceImplBase runtime,
                                      ImageServiceGrpc.ImageServiceImplBase images, Supplier<String> configJson,
                                      Path containersDir, int maxConnections)
            throws IOException {
        Files.createDirectories(socket.getParent());
        if (Files.exists(socket)) {
            if (RestrictedSocket.answers(socket)) {
                throw new DaemonStartException("inspect.socket " + socket + " is served by another process; stop "
                        + "it or configure another path");
            }
            Files.delete(socket);
        }
        InspectRoutes routes = new InspectRoutes(runtime, images, configJson, containersDir);
        ConnectionLimit connections = new ConnectionLimit("inspect API", maxConnections);
        // the CRI calls behind a route may wait (for a container's lock): they run off the event loop
        ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
        // one thread accepts and serves, so connections are admitted in the order they arrived
        EventLoopGroup loop = new EpollEventLoopGroup(1);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(loop)
                .channel(EpollServerDomainSocketChannel.class)
                // a client may end its side once it has sent the request: it is still answered
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("limit", connections)
                                .addLast("deadline", new ExchangeDeadline(EXCHANGE_TIMEOUT))
                                .addLast("http", new HttpServerCodec(MAX_REQUEST_BYTES, MAX_REQUEST_BYTES, 8192))
                                .addLast("inspect", new InspectExchange(routes, calls));
                    }
                });
        Channel[] bound = new Channel[1];
        try {
            RestrictedSocket.bind(socket, group, "server.socket_group", at -> {
                ChannelFuture f = bootstrap.bind(new DomainSocketAddress(at.toString())).awaitUninterruptibly();
                if (!f.isSuccess()) {
                    throw new IOException("binding " + at + ": " + f.cause().getMessage(), f.cause());
                }
                bound[0] = f.channel();
            });
        } catch (IOException | RuntimeException e) {
            if (bound[0] != null) {
                bound[0].close().awaitUninterruptibly();
            }
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            calls.shutdownNow();
            throw e instanceof DaemonStartException d ? d : new DaemonStartException("inspect.socket " + socket
                    + ": " + e.getMessage());
        }
        LOG.info("inspect API on unix://{}", socket);
        return new InspectServer(socket, loop, bound[0], connections, calls);
    }

    /** Connections being served now. */
    public int openConnections() {
        return connections.open();
    }

    /** Connections closed at once since the start: {@code inspect.max_connections} were open. */
    public long refusedConnections() {
        return connections.refused();
    }

    @Override
    public void close() {
        listener.close().awaitUninterruptibly();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warn("closing the inspect API socket {}: {}", socket, e.getMessage());
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        calls.shutdownNow();
    }
}
