package io.jcri.cri;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.jcri.cri.v1.ImageServiceGrpc;
import io.jcri.cri.v1.RuntimeServiceGrpc;
import java.net.URI;
import java.util.concurrent.TimeUnit;

/**
 * Opens gRPC channels to a CRI endpoint given as {@code unix:///path/to.sock} (or a bare path), the form kubelet
 * and crictl use. Usable against any CRI runtime, not only jcri.
 */
public final class CriClients implements AutoCloseable {
    /** Kubelet's default maximum message size for CRI calls. */
    public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    private final EventLoopGroup group;
    private final ManagedChannel channel;

    private CriClients(EventLoopGroup group, ManagedChannel channel) {
        this.group = group;
        this.channel = channel;
    }

    /** Connects (lazily, as gRPC does) to the endpoint. */
    public static CriClients connect(String endpoint) {
        EventLoopGroup group = new EpollEventLoopGroup(1);
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socketPath(endpoint)))
                .eventLoopGroup(group)
                .channelType(EpollDomainSocketChannel.class)
                .usePlaintext()
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .build();
        return new CriClients(group, channel);
    }

    /** The filesystem path of a {@code unix://} endpoint or of a bare path. */
    public static String socketPath(String endpoint) {
        if (endpoint.startsWith("unix://")) {
            return URI.create(endpoint).getPath();
        }
        if (endpoint.contains("://")) {
            throw new IllegalArgumentException("only unix:// endpoints are supported: " + endpoint);
        }
        return endpoint;
    }

    public ManagedChannel channel() {
        return channel;
    }

    public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
        return RuntimeServiceGrpc.newBlockingStub(channel);
    }

    public ImageServiceGrpc.ImageServiceBlockingStub images() {
        return ImageServiceGrpc.newBlockingStub(channel);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
