package io.jcri.server.streaming;

import io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap;
import io.grpc.netty.shaded.io.netty.buffer.ByteBufUtil;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.SimpleChannelInboundHandler;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.SocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpRequest;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpClientCodec;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderNames;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpMethod;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpObjectAggregator;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpVersion;
import io.grpc.netty.shaded.io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.spdy.DefaultSpdyGoAwayFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.spdy.SpdyDataFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.grpc.netty.shaded.io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.spdy.SpdyVersion;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A SPDY/3.1 streaming client for tests, speaking as client-go does: an HTTP upgrade with
 * {@code X-Stream-Protocol-Version}, then client-opened streams named by their {@code streamType} header.
 */
public final class SpdyTestClient implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Map<Integer, Stream> streams = new ConcurrentHashMap<>();
    private final CompletableFuture<FullHttpResponse> upgrade = new CompletableFuture<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private Channel channel;
    private int nextId = 1;
    private int status;
    private String protocol;
    private String body;

    /** A stream this client opened. */
    public static final class Stream {
        private final int id;
        private final Channel channel;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private final CompletableFuture<Void> replied = new CompletableFuture<>();
        private final CompletableFuture<Void> ended = new CompletableFuture<>();

        Stream(int id, Channel channel) {
            this.id = id;
            this.channel = channel;
        }

        public void write(byte[] data) {
            channel.writeAndFlush(new DefaultSpdyDataFrame(id, Unpooled.wrappedBuffer(data))).syncUninterruptibly();
        }

        public void write(String data) {
            write(data.getBytes(StandardCharsets.UTF_8));
        }

        /** Half-closes the stream (end of input). */
        public void finish() {
            DefaultSpdyDataFrame fin = new DefaultSpdyDataFrame(id);
            fin.setLast(true);
            channel.writeAndFlush(fin).syncUninterruptibly();
        }

        /** What the server sent, once it finished the stream (or the connection closed). */
        public String awaitText(Duration timeout) throws Exception {
            ended.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return text();
        }

        public synchronized String text() {
            return received.toString(StandardCharsets.UTF_8);
        }

        public boolean replied() {
            return replied.isDone();
        }

        synchronized void receive(byte[] data) {
            received.writeBytes(data);
        }
    }

    /**
     * Connects to {@code url} and asks to upgrade with the given protocol versions (none: no header); returns
     * once the server answered. {@link #status()} tells whether it switched (101).
     */
    public static SpdyTestClient connect(String url, List<String> protocols) throws Exception {
        SpdyTestClient c = new SpdyTestClient();
        c.open(URI.create(url), protocols);
        return c;
    }

    private void open(URI uri, List<String> protocols) throws Exception {
        channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("http", new HttpClientCodec())
                                .addLast("aggregator", new HttpObjectAggregator(1 << 20))
                                .addLast("upgrade", new SimpleChannelInboundHandler<FullHttpResponse>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse res) {
                                        if (res.status().code() == 101) {
                                            ctx.pipeline().addBefore("upgrade", "spdy",
                                                    new SpdyFrameCodec(SpdyVersion.SPDY_3_1, false));
                                            ctx.pipeline().replace(this, "frames", new FrameHandler());
                                            ctx.pipeline().remove("aggregator");
                                            ctx.pipeline().remove("http");
                                        }
                                        upgrade.complete(res.retain());
                                    }
                                });
                    }
                })
                .connect(uri.getHost(), uri.getPort()).sync().channel();
        channel.closeFuture().addListener(f -> {
            closed.complete(null);
            streams.values().forEach(s -> s.ended.complete(null));
            upgrade.completeExceptionally(new IllegalStateException("connection closed"));
        });
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri.getRawPath());
        req.headers().set(HttpHeaderNames.HOST, uri.getHost() + ":" + uri.getPort())
                .set(HttpHeaderNames.CONNECTION, "Upgrade")
                .set(HttpHeaderNames.UPGRADE, "SPDY/3.1")
                .set(HttpHeaderNames.CONTENT_LENGTH, 0);
        protocols.forEach(p -> req.headers().add(StreamProtocol.VERSION_HEADER, p));
        channel.writeAndFlush(req).sync();
        FullHttpResponse res = upgrade.get(10, TimeUnit.SECONDS);
        status = res.status().code();
        protocol = res.headers().get(StreamProtocol.VERSION_HEADER);
        body = res.content().toString(StandardCharsets.UTF_8);
        res.release();
    }

    public int status() {
        return status;
    }

    /** The negotiated protocol version, or null. */
    public String protocol() {
        return protocol;
    }

    public String body() {
        return body;
    }

    /** Opens a stream with these headers (lower-case names, as SPDY requires). */
    public Stream openStream(Map<String, String> headers) {
        Stream s;
        synchronized (this) {
            s = new Stream(nextId, channel);
            nextId += 2;
        }
        streams.put(s.id, s);
        DefaultSpdySynStreamFrame syn = new DefaultSpdySynStreamFrame(s.id, 0, (byte) 0);
        headers.forEach((k, v) -> syn.headers().set(k, v));
        channel.writeAndFlush(syn).syncUninterruptibly();
        return s;
    }

    /** Waits until the server closed the connection. */
    public void awaitClosed(Duration timeout) throws Exception {
        closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    @Override
    public void close() {
        if (channel != null && channel.isActive()) {
            channel.writeAndFlush(new DefaultSpdyGoAwayFrame(0));
            channel.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class FrameHandler extends SimpleChannelInboundHandler<Object> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            switch (msg) {
                case SpdySynReplyFrame reply -> {
                    Stream s = streams.get(reply.streamId());
                    if (s != null) {
                        s.replied.complete(null);
                    }
                }
                case SpdyDataFrame data -> {
                    Stream s = streams.get(data.streamId());
                    if (s != null) {
                        s.receive(ByteBufUtil.getBytes(data.content()));
                        if (data.isLast()) {
                            s.ended.complete(null);
                        }
                    }
                }
                case SpdyRstStreamFrame rst -> {
                    Stream s = streams.get(rst.streamId());
                    if (s != null) {
                        s.ended.complete(null);
                    }
                }
                default -> {
                }
            }
        }
    }
}
