package io.jcri.cri;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.jcri.api.v1.ContainerLogsGrpc;
import io.jcri.cri.v1.ImageServiceGrpc;
import io.jcri.cri.v1.RuntimeServiceGrpc;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Opens gRPC channels to a CRI endpoint and hands out the generated stubs. Endpoints are {@code unix:///path}
 * (or a bare path), the form kubelet and crictl use, usable against any CRI runtime; and {@code tcp://host:port}
 * for jcri's remote listener, which takes mutual TLS only.
 *
 * <pre>{@code
 * var options = CriClients.Options.defaults().withTls(Path.of("ca.pem"), Path.of("cert.pem"), Path.of("key.pem"));
 * try (CriClients cri = CriClients.connect("tcp://node1:10010", options)) {
 *     System.out.println(cri.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeVersion());
 * }
 * }</pre>
 */
public final class CriClients implements AutoCloseable {
    /** Kubelet's default maximum message size for CRI calls. */
    public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    /** The deadline {@link Options#defaults()} gives each unary call, as long as a slow image pull may take. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofMinutes(2);

    private final EventLoopGroup group;
    private final ManagedChannel channel;
    private final Channel calls;

    private CriClients(EventLoopGroup group, ManagedChannel channel, Duration callTimeout) {
        this.group = group;
        this.channel = channel;
        this.calls = callTimeout == null ? channel : ClientInterceptors.intercept(channel, new Deadline(callTimeout));
    }

    /**
     * The client's TLS files, all PEM: the CA that signed the server's certificate, the client certificate, and
     * its private key (PKCS#8, {@code BEGIN PRIVATE KEY}).
     */
    public record Tls(Path caFile, Path certFile, Path keyFile) {
        public Tls {
            Objects.requireNonNull(caFile, "caFile");
            Objects.requireNonNull(certFile, "certFile");
            Objects.requireNonNull(keyFile, "keyFile");
        }

        /** {@code ca.pem}, {@code cert.pem} and {@code key.pem} in {@code dir}, as Docker's DOCKER_CERT_PATH. */
        public static Tls inDirectory(Path dir) {
            return new Tls(dir.resolve("ca.pem"), dir.resolve("cert.pem"), dir.resolve("key.pem"));
        }
    }

    /**
     * How to connect: TLS files ({@code null}: none, which only {@code unix://} endpoints accept) and the deadline
     * of each unary call that sets none of its own ({@code null}: none). Streaming calls get no deadline.
     */
    public record Options(Tls tls, Duration callTimeout) {
        /** No TLS, and {@link #DEFAULT_CALL_TIMEOUT} per call. */
        public static Options defaults() {
            return new Options(null, DEFAULT_CALL_TIMEOUT);
        }

        public Options withTls(Path caFile, Path certFile, Path keyFile) {
            return withTls(new Tls(caFile, certFile, keyFile));
        }

        public Options withTls(Tls files) {
            return new Options(files, callTimeout);
        }

        public Options withCallTimeout(Duration timeout) {
            return new Options(tls, timeout);
        }
    }

    /**
     * Connects (lazily, as gRPC does) to a {@code unix://} endpoint, without per-call deadlines: for tests and
     * tools that make long calls. {@link #connect(String, Options)} takes every endpoint kind.
     */
    public static CriClients connect(String endpoint) {
        return connect(endpoint, new Options(null, null));
    }

    /**
     * Connects (lazily: an unreachable endpoint shows as UNAVAILABLE on the first call) to {@code endpoint}.
     *
     * @throws IllegalArgumentException for an endpoint that is not {@code unix://} or {@code tcp://}, a
     *                                  {@code tcp://} one without TLS files, or TLS files that cannot be used
     */
    public static CriClients connect(String endpoint, Options options) {
        if (endpoint.startsWith("tcp://")) {
            return connectTcp(endpoint, options);
        }
        EventLoopGroup group = new EpollEventLoopGroup(1);
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socketPath(endpoint)))
                .eventLoopGroup(group)
                .channelType(EpollDomainSocketChannel.class)
                // gRPC asks every channel for TCP keepalive, which a UNIX socket does not have: Netty would warn
                // at each connection (a line per crictl-style call); a null value takes the option out.
                .withOption(ChannelOption.SO_KEEPALIVE, null)
                .usePlaintext()
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .build();
        return new CriClients(group, channel, options.callTimeout());
    }

    private static CriClients connectTcp(String endpoint, Options options) {
        URI uri = URI.create(endpoint);
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException("endpoint " + endpoint + " is not tcp://HOST:PORT");
        }
        if (options.tls() == null) {
            throw new IllegalArgumentException("endpoint " + endpoint + " needs TLS files (CA, client certificate "
                    + "and key): jcri serves TCP with mutual TLS only");
        }
        Tls tls = options.tls();
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress(uri.getHost(), uri.getPort())
                .maxInboundMessageSize(MAX_MESSAGE_BYTES);
        try {
            builder.sslContext(GrpcSslContexts.forClient().trustManager(tls.caFile().toFile())
                    .keyManager(tls.certFile().toFile(), tls.keyFile().toFile()).build());
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("TLS files " + tls.caFile() + ", " + tls.certFile() + ", "
                    + tls.keyFile() + " cannot be used: " + rootMessage(e), e);
        }
        return new CriClients(null, builder.build(), options.callTimeout());
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root instanceof IOException || root.getMessage() == null ? String.valueOf(root) : root.getMessage();
    }

    /** The filesystem path of a {@code unix://} endpoint or of a bare path. */
    public static String socketPath(String endpoint) {
        if (endpoint.startsWith("unix://")) {
            return URI.create(endpoint).getPath();
        }
        if (endpoint.contains("://")) {
            throw new IllegalArgumentException("endpoint " + endpoint + ": only unix:// and tcp:// are supported");
        }
        return endpoint;
    }

    public ManagedChannel channel() {
        return channel;
    }

    public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
        return RuntimeServiceGrpc.newBlockingStub(calls);
    }

    public ImageServiceGrpc.ImageServiceBlockingStub images() {
        return ImageServiceGrpc.newBlockingStub(calls);
    }

    /** jcri's container log reader (not part of CRI; other runtimes answer UNIMPLEMENTED). */
    public ContainerLogsGrpc.ContainerLogsBlockingStub logs() {
        return ContainerLogsGrpc.newBlockingStub(calls);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** Gives each unary call without a deadline of its own the configured one. */
    private record Deadline(Duration timeout) implements ClientInterceptor {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                                                     Channel next) {
            boolean unary = method.getType() == MethodDescriptor.MethodType.UNARY;
            return next.newCall(method, unary && options.getDeadline() == null
                    ? options.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS) : options);
        }
    }
}
