package io.jcri.server.streaming;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFuture;
import io.grpc.netty.shaded.io.netty.channel.ChannelFutureListener;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.SimpleChannelInboundHandler;
import io.grpc.netty.shaded.io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exec or attach over WebSocket: every message starts with its channel (0 stdin, 1 stdout, 2 stderr, 3 error,
 * 4 resize; see {@link WebSocketChannels}). With
 * {@code v5.channel.k8s.io} a client closes one channel (its stdin) by sending channel 255 followed by the
 * channel's number.
 */
final class RemoteCommandWebSocket extends SimpleChannelInboundHandler<WebSocketFrame>
        implements RemoteCommand.Outbound {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteCommandWebSocket.class);
    private static final int STDIN = 0;
    private static final int ERROR = 3;
    private static final int RESIZE = 4;
    private static final int CLOSE_SIGNAL = 255;

    private final String id;
    private final StreamProtocol protocol;
    private final RemoteCommand.Opener opener;
    private final WebSocketChannels channels;
    private Channel channel;
    private RemoteCommand command;

    RemoteCommandWebSocket(String id, StreamProtocol protocol, RemoteCommand.Opener opener) {
        this.id = id;
        this.protocol = protocol;
        this.opener = opener;
        this.channels = new WebSocketChannels(protocol.binary());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        command = new RemoteCommand(id, channel, opener, this);
        command.start();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        ByteBuf content = channels.content(frame);
        if (content != null) {
            message(content);
            return;
        }
        if (!WebSocketChannels.control(ctx, frame)) {
            LOG.debug("{}: ignoring {}", id, frame.getClass().getSimpleName());
        }
    }

    private void message(ByteBuf content) {
        if (!content.isReadable()) {
            return;
        }
        int ch = content.readUnsignedByte();
        switch (ch) {
            case STDIN -> command.stdin(content);
            case RESIZE -> command.resize(content);
            case CLOSE_SIGNAL -> {
                if (protocol == StreamProtocol.V5 && content.isReadable() && content.readUnsignedByte() == STDIN) {
                    command.stdinEnd();
                }
            }
            default -> LOG.debug("{}: ignoring a message on channel {}", id, ch);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        command.disconnected();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.warn("{}: WebSocket connection failed: {}", id, cause.toString());
        ctx.close();
    }

    @Override
    public ChannelFuture write(int fd, byte[] data) {
        return channel.writeAndFlush(channels.frame(fd, data));
    }

    @Override
    public void endOutput(int fd) {
        // WebSocket channels end with the connection.
    }

    @Override
    public void finish(ExitStatus status) {
        byte[] payload = protocol.statusAsJson() ? status.toStatusJson() : status.toText();
        if (payload.length > 0) {
            channel.write(channels.frame(ERROR, payload));
        }
        channel.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(ChannelFutureListener.CLOSE);
    }

}
