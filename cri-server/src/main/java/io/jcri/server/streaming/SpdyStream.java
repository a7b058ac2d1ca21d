package io.jcri.server.streaming;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFuture;
import io.grpc.netty.shaded.io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.spdy.SpdyHeaders;
import io.grpc.netty.shaded.io.netty.handler.codec.spdy.SpdyStreamStatus;

/**
 * One SPDY stream a client opened: its headers, writes towards the client, and a receiver for what the client
 * sends on it. Writes are safe from any thread.
 */
final class SpdyStream {

    /** Gets what the client sends on the stream, on the event loop. */
    interface Receiver {
        /** Data; the buffer is released by the caller after this returns. */
        void data(ByteBuf data);

        /** The client finished (FIN) or reset the stream. */
        void end();
    }

    private static final Receiver DISCARD = new Receiver() {
        @Override
        public void data(ByteBuf data) {
        }

        @Override
        public void end() {
        }
    };

    private final Channel channel;
    private final int id;
    private final SpdyHeaders headers;
    private volatile Receiver receiver = DISCARD;

    SpdyStream(Channel channel, int id, SpdyHeaders headers) {
        this.channel = channel;
        this.id = id;
        this.headers = headers;
    }

    int id() {
        return id;
    }

    /** A request header of the stream, or {@code ""}. */
    String header(String name) {
        String v = headers.getAsString(name);
        return v == null ? "" : v;
    }

    void receiver(Receiver r) {
        this.receiver = r;
    }

    Receiver receiver() {
        return receiver;
    }

    ChannelFuture write(byte[] data) {
        return channel.writeAndFlush(new DefaultSpdyDataFrame(id, Unpooled.wrappedBuffer(data)));
    }

    /** Half-closes the stream from jcri's side. */
    ChannelFuture finish() {
        DefaultSpdyDataFrame fin = new DefaultSpdyDataFrame(id);
        fin.setLast(true);
        return channel.writeAndFlush(fin);
    }

    void reset() {
        channel.writeAndFlush(new DefaultSpdyRstStreamFrame(id, SpdyStreamStatus.CANCEL));
    }
}
