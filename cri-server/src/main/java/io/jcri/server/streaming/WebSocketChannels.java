package io.jcri.server.streaming;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.ChannelFutureListener;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.Base64;

/**
 * The channel framing of Kubernetes' WebSocket streaming: each message starts with its channel number, as a byte
 * in the binary protocols, or as an ASCII digit before base64 text in the base64 ones.
 */
final class WebSocketChannels {
    private final boolean binary;

    WebSocketChannels(boolean binary) {
        this.binary = binary;
    }

    /** A message carrying {@code data} on channel {@code ch}. */
    WebSocketFrame frame(int ch, byte[] data) {
        if (binary) {
            ByteBuf b = Unpooled.buffer(data.length + 1);
            b.writeByte(ch).writeBytes(data);
            return new BinaryWebSocketFrame(b);
        }
        return new TextWebSocketFrame((char) ('0' + ch) + Base64.getEncoder().encodeToString(data));
    }

    /**
     * The channel byte followed by the payload of a data message, or null for a message of the other kind; the
     * caller releases the frame, and the result lives no longer than it.
     */
    ByteBuf content(WebSocketFrame frame) {
        if (binary && frame instanceof BinaryWebSocketFrame b) {
            return b.content();
        }
        if (!binary && frame instanceof TextWebSocketFrame t) {
            String text = t.text();
            if (text.isEmpty()) {
                return Unpooled.EMPTY_BUFFER;
            }
            byte[] payload = Base64.getDecoder().decode(text.substring(1));
            return Unpooled.buffer(payload.length + 1).writeByte(text.charAt(0) - '0').writeBytes(payload);
        }
        return null;
    }

    /** Answers a ping or a close; false for any other frame. */
    static boolean control(ChannelHandlerContext ctx, WebSocketFrame frame) {
        switch (frame) {
            case PingWebSocketFrame ping -> ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
            case CloseWebSocketFrame close -> ctx.writeAndFlush(close.retainedDuplicate())
                    .addListener(ChannelFutureListener.CLOSE);
            default -> {
                return false;
            }
        }
        return true;
    }
}
