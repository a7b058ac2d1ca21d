package io.jcri.server.streaming;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.AttachRequest;
import io.jcri.cri.v1.AttachResponse;
import io.jcri.cri.v1.ExecRequest;
import io.jcri.cri.v1.ExecResponse;
import io.jcri.cri.v1.PortForwardRequest;
import io.jcri.cri.v1.PortForwardResponse;
import io.jcri.server.ConnectionLimit;
import io.grpc.netty.shaded.io.netty.bootstrap.ServerBootstrap;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.SocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpObjectAggregator;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpServerCodec;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.timeout.IdleStateEvent;
import io.grpc.netty.shaded.io.netty.handler.timeout.IdleStateHandler;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streaming server for exec, attach and port-forward. The CRI calls validate a request and get back a URL
 * with a single-use token; the client (kubelet, crictl) then connects there and upgrades to SPDY/3.1 or
 * WebSocket. Connections idle for longer than the idle timeout are closed, and so are those that send no complete
 * request within the request timeout and those beyond the bound on open connections.
 */
public final class StreamingServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamingServer.class);
    /** How long a URL stays valid if nobody connects to it. */
    public static final Duration TOKEN_TTL = Duration.ofMinutes(1);
    private static final int MAX_REQUEST_BYTES = 64 * 1024;

    private final StreamingBackend backend;
    private final TokenRegistry<PendingStream> tokens;
    private final Limits limits;
    private final ConnectionLimit connections;
    /** Looked up per connection, so that {@link #useTls} applies to the next ones. */
    private volatile SslContext tls;
    private EventLoopGroup group;
    private Channel listener;
    private String baseUrl;

    /**
     * How long a connection may stay idle and wait for its request, and how many may be open at once.
     *
     * @param idle    a connection on which nothing moves for this long is closed
     * @param request a connection that has not sent its whole request this long after it was accepted is closed
     */
    public record Limits(Duration idle, Duration request, int maxConnections) {
    }

    /**
     * @param tls TLS for the listener, or {@code null} for plain HTTP
     */
    public StreamingServer(StreamingBackend backend, Limits limits, SslContext tls, Clock clock) {
        this.backend = backend;
        this.tokens = new TokenRegistry<>(clock, TOKEN_TTL);
        this.limits = limits;
        this.connections = new ConnectionLimit("streaming", limits.maxConnections());
        this.tls = tls;
    }

    /** TLS from a PEM certificate and PKCS#8 key, or {@code null} (plain HTTP) when both are empty. */
    public static SslContext tls(String certFile, String keyFile) throws IOException {
        if (certFile.isEmpty() && keyFile.isEmpty()) {
            return null;
        }
        try {
            return SslContextBuilder.forServer(new File(certFile), new File(keyFile)).build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IOException("streaming TLS from " + certFile + " and " + keyFile + ": " + e.getMessage(), e);
        }
    }

    /** Binds {@code address:port} (port 0: any free port) and serves. */
    public void start(String address, int port) throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        listener = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("limit", connections);
                        SslContext current = tls;
                        if (current != null) {
                            ch.pipeline().addLast("tls", current.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, limits.idle().toMillis(),
                                        TimeUnit.MILLISECONDS))
                                .addLast("idle-close", new IdleCloser())
                                .addLast("http", new HttpServerCodec())
                                .addLast("http-aggregator", new HttpObjectAggregator(MAX_REQUEST_BYTES))
                                .addLast("request-deadline", new RequestDeadline(limits.request()))
                                .addLast("router", new HttpRouter(tokens, backend));
                    }
                })
                .bind(address, port).sync().channel();
        InetSocketAddress bound = (InetSocketAddress) listener.localAddress();
        String host = bound.getAddress().getHostAddress();
        baseUrl = (tls != null ? "https://" : "http://") + (host.contains(":") ? "[" + host + "]" : host)
                + ":" + bound.getPort();
        LOG.info("streaming server on {}", baseUrl);
    }

    /**
     * Serves new connections with {@code next} (a rotated certificate). TLS cannot be turned on or off this way:
     * the URLs already handed out name the scheme.
     */
    public void useTls(SslContext next) {
        if ((tls == null) != (next == null)) {
            throw new IllegalStateException("streaming TLS cannot be turned " + (next == null ? "off" : "on")
                    + " while serving");
        }
        tls = next;
    }

    /** Where clients connect, e.g. {@code http://127.0.0.1:38211}. */
    public String baseUrl() {
        return baseUrl;
    }

    /** Streaming connections open now. */
    public int openConnections() {
        return connections.open();
    }

    /** Streaming connections closed at once since the start because {@link Limits#maxConnections} were open. */
    public long refusedConnections() {
        return connections.refused();
    }

    /** Validates an exec and returns the URL to stream it. */
    public ExecResponse exec(ExecRequest request) {
        if (request.getCmdCount() == 0) {
            throw new CriException(ErrorKind.INVALID_ARGUMENT, "exec needs a command");
        }
        requireStreams(request.getStdin(), request.getStdout(), request.getStderr(), request.getTty());
        backend.checkExec(request);
        return ExecResponse.newBuilder().setUrl(register(new PendingStream.Exec(request))).build();
    }

    /** Validates an attach and returns the URL to stream it. */
    public AttachResponse attach(AttachRequest request) {
        requireStreams(request.getStdin(), request.getStdout(), request.getStderr(), request.getTty());
        backend.checkAttach(request);
        return AttachResponse.newBuilder().setUrl(register(new PendingStream.Attach(request))).build();
    }

    /** Validates a port-forward and returns the URL to stream it. */
    public PortForwardResponse portForward(PortForwardRequest request) {
        for (int port : request.getPortList()) {
            if (port < 1 || port > 65535) {
                throw new CriException(ErrorKind.INVALID_ARGUMENT, "invalid port " + port);
            }
        }
        backend.checkPortForward(request);
        return PortForwardResponse.newBuilder().setUrl(register(new PendingStream.PortForward(request))).build();
    }

    private static void requireStreams(boolean stdin, boolean stdout, boolean stderr, boolean tty) {
        if (!stdin && !stdout && !stderr) {
            throw new CriException(ErrorKind.INVALID_ARGUMENT,
                    "one of stdin, stdout and stderr must be requested");
        }
        if (tty && stderr) {
            throw new CriException(ErrorKind.INVALID_ARGUMENT, "tty and stderr cannot both be requested");
        }
    }

    private String register(PendingStream pending) {
        if (baseUrl == null) {
            throw new CriException(ErrorKind.UNAVAILABLE, "the streaming server is not running");
        }
        return baseUrl + "/" + pending.path() + "/" + tokens.put(pending);
    }

    /** Stops listening and closes every open streaming connection (their sessions end with them). */
    @Override
    public void close() {
        if (listener != null) {
            listener.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        baseUrl = null;
    }

    /** Closes a connection on which nothing moved for the idle timeout. */
    private static final class IdleCloser extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                LOG.info("closing streaming connection from {}: idle", ctx.channel().remoteAddress());
                ctx.close();
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }
    }
}
