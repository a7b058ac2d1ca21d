package io.jcri.server.streaming;

import io.grpc.netty.shaded.io.netty.channel.ChannelFutureListener;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.handler.codec.spdy.DefaultSpdyGoAwayFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.spdy.DefaultSpdySynReplyFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.spdy.SpdyDataFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.spdy.SpdyGoAwayFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.spdy.SpdyPingFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.grpc.netty.shaded.io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server end of a SPDY/3.1 connection as Kubernetes streaming clients use it: the client opens streams,
 * jcri replies to each at once and hands it to the {@link Listener}. Pings are answered; SETTINGS, HEADERS and
 * WINDOW_UPDATE frames are ignored, as spdystream (the peer of every such client) neither needs nor enforces
 * flow control.
 */
final class SpdyConnection extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(SpdyConnection.class);

    /** What a SPDY streaming session does with the client's streams. */
    interface Listener {
        /** A new stream, already replied to; called on the event loop. */
        void stream(SpdyStream stream);

        /** The connection is gone. */
        void closed();
    }

    private final Listener listener;
    /** Event loop only. */
    private final Map<Integer, SpdyStream> streams = new HashMap<>();
    private int lastStreamId;

    SpdyConnection(Listener listener) {
        this.listener = listener;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            switch (msg) {
                case SpdySynStreamFrame syn -> open(ctx, syn);
                case SpdyDataFrame data -> {
                    SpdyStream s = streams.get(data.streamId());
                    if (s == null) {
                        ctx.writeAndFlush(new DefaultSpdyRstStreamFrame(data.streamId(),
                                SpdyStreamStatus.INVALID_STREAM));
                        return;
                    }
                    s.receiver().data(data.content());
                    if (data.isLast()) {
                        s.receiver().end();
                    }
                }
                case SpdyRstStreamFrame rst -> {
                    SpdyStream s = streams.remove(rst.streamId());
                    if (s != null) {
                        s.receiver().end();
                    }
                }
                case SpdyPingFrame ping -> {
                    // Odd ids are the client's pings, to be echoed; even ones would be answers to ours.
                    if ((ping.id() & 1) == 1) {
                        ctx.writeAndFlush(ping);
                        return;
                    }
                }
                case SpdyGoAwayFrame goAway -> LOG.debug("client sent GOAWAY ({})", goAway.status());
                default -> {
                }
            }
        } finally {
            if (!(msg instanceof SpdyPingFrame ping && (ping.id() & 1) == 1)) {
                ReferenceCountUtil.release(msg);
            }
        }
    }

    private void open(ChannelHandlerContext ctx, SpdySynStreamFrame syn) {
        int id = syn.streamId();
        if (id <= lastStreamId || (id & 1) == 0) {
            ctx.writeAndFlush(new DefaultSpdyRstStreamFrame(id, SpdyStreamStatus.PROTOCOL_ERROR));
            return;
        }
        lastStreamId = id;
        SpdyStream s = new SpdyStream(ctx.channel(), id, syn.headers());
        streams.put(id, s);
        // Netty writes no header block at all for a frame without headers, which Go's SPDY framer cannot parse
        // (it ends the client's connection); clients ignore reply headers, so the stream's type is echoed.
        DefaultSpdySynReplyFrame reply = new DefaultSpdySynReplyFrame(id);
        reply.headers().set(StreamProtocol.STREAM_TYPE_HEADER, s.header(StreamProtocol.STREAM_TYPE_HEADER));
        ctx.writeAndFlush(reply);
        listener.stream(s);
        if (syn.isLast()) {
            s.receiver().end();
        }
    }

    /** Says goodbye to the client and closes the connection once what was written is out. */
    static void close(io.grpc.netty.shaded.io.netty.channel.Channel channel) {
        channel.writeAndFlush(new DefaultSpdyGoAwayFrame(0)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        for (SpdyStream s : streams.values()) {
            s.receiver().end();
        }
        streams.clear();
        listener.closed();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.warn("SPDY connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
