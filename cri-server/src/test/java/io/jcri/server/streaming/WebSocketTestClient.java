package io.jcri.server.streaming;

import io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
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
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultHttpHeaders;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpClientCodec;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpObjectAggregator;
import io.grpc.netty.shaded.io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.grpc.netty.shaded.io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.grpc.netty.shaded.io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.grpc.netty.shaded.io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket remote-command client for tests: channel-prefixed messages, binary or base64 text by subprotocol,
 * collecting what arrives per channel until the server closes.
 */
public final class WebSocketTestClient implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final ByteArrayOutputStream[] channels = new ByteArrayOutputStream[256];
    private final CompletableFuture<Void> handshake = new CompletableFuture<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private Channel channel;
    private WebSocketClientHandshaker handshaker;
    private boolean binary;

    /** Connects to {@code url} (http://...) offering {@code subprotocol}; returns after the handshake. */
    public static WebSocketTestClient connect(String url, String subprotocol) throws Exception {
        WebSocketTestClient c = new WebSocketTestClient();
        c.open(URI.create(url.replaceFirst("^http", "ws")), subprotocol);
        return c;
    }

    private void open(URI uri, String subprotocol) throws Exception {
        binary = !subprotocol.contains("base64");
        for (int i = 0; i < channels.length; i++) {
            channels[i] = new ByteArrayOutputStream();
        }
        handshaker = WebSocketClientHandshakerFactory.newHandshaker(uri, WebSocketVersion.V13, subprotocol, false,
                new DefaultHttpHeaders(), 1 << 20);
        channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20),
                                new Handler());
                    }
                })
                .connect(uri.getHost(), uri.getPort()).sync().channel();
        channel.closeFuture().addListener(f -> {
            closed.complete(null);
            handshake.completeExceptionally(new IllegalStateException("connection closed"));
        });
        handshaker.handshake(channel).sync();
        handshake.get(10, TimeUnit.SECONDS);
    }

    /** The subprotocol the server chose. */
    public String subprotocol() {
        return handshaker.actualSubprotocol();
    }

    /** Sends {@code data} on channel {@code ch}. */
    public void send(int ch, byte[] data) {
        WebSocketFrame frame;
        if (binary) {
            ByteBuf b = Unpooled.buffer(data.length + 1).writeByte(ch).writeBytes(data);
            frame = new BinaryWebSocketFrame(b);
        } else {
            frame = new TextWebSocketFrame((char) ('0' + ch) + Base64.getEncoder().encodeToString(data));
        }
        channel.writeAndFlush(frame).syncUninterruptibly();
    }

    public void send(int ch, String data) {
        send(ch, data.getBytes(StandardCharsets.UTF_8));
    }

    /** The v5 close signal for channel {@code ch}. */
    public void closeChannel(int ch) {
        channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {(byte) 255, (byte) ch})))
                .syncUninterruptibly();
    }

    /** Waits for the server to close the connection. */
    public void awaitClosed(Duration timeout) throws Exception {
        closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** What arrived on channel {@code ch} so far. */
    public String text(int ch) {
        synchronized (channels) {
            return channels[ch].toString(StandardCharsets.UTF_8);
        }
    }

    /** What arrived on channel {@code ch} so far, one char per byte (for binary payloads). */
    public String latin1(int ch) {
        synchronized (channels) {
            return channels[ch].toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** Waits until what arrived on channel {@code ch}, one char per byte, ends with {@code suffix}. */
    public String awaitLatin1(int ch, String suffix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (channels) {
            while (!latin1(ch).endsWith(suffix)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("channel " + ch + " did not end with " + suffix + " within " + timeout
                            + ": " + latin1(ch));
                }
                channels.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
            }
            return latin1(ch);
        }
    }

    @Override
    public void close() {
        if (channel != null && channel.isActive()) {
            channel.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Handler extends SimpleChannelInboundHandler<Object> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (!handshaker.isHandshakeComplete()) {
                handshaker.finishHandshake(ctx.channel(), (FullHttpResponse) msg);
                ctx.pipeline().addBefore(ctx.name(), "ws-aggregator", new WebSocketFrameAggregator(1 << 20));
                handshake.complete(null);
                return;
            }
            switch (msg) {
                case BinaryWebSocketFrame b -> record(ByteBufUtil.getBytes(b.content()));
                case TextWebSocketFrame t -> {
                    String text = t.text();
                    byte[] payload = Base64.getDecoder().decode(text.substring(1));
                    byte[] all = new byte[payload.length + 1];
                    all[0] = (byte) (text.charAt(0) - '0');
                    System.arraycopy(payload, 0, all, 1, payload.length);
                    record(all);
                }
                case CloseWebSocketFrame c -> ctx.close();
                default -> {
                }
            }
        }

        private void record(byte[] message) {
            if (message.length > 0) {
                synchronized (channels) {
                    channels[message[0] & 0xff].write(message, 1, message.length - 1);
                    channels.notifyAll();
                }
            }
        }
    }
}
