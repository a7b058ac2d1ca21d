package io.jcri.server;

import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.util.AttributeKey;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the connections a Netty server (streaming, inspect API) has open at once: each holds a socket, buffers
 * and often a process in a container, so a client that opens them without end must not take the daemon's
 * descriptors or memory. A connection over the bound is closed as soon as it is accepted, and not counted.
 */
@ChannelHandler.Sharable
public final class ConnectionLimit extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimit.class);
    private static final AttributeKey<Boolean> ADMITTED = AttributeKey.valueOf(ConnectionLimit.class, "admitted");

    private final String server;
    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();

    /** @param server what is served, for the log ("streaming", "inspect API") */
    public ConnectionLimit(String server, int max) {
        this.server = server;
        this.max = max;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            refused.incrementAndGet();
            LOG.warn("refusing a {} connection from {}: {} are open already", server, ctx.channel().remoteAddress(),
                    max);
            ctx.close();
            return;
        }
        ctx.channel().attr(ADMITTED).set(true);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (ctx.channel().attr(ADMITTED).getAndSet(null) != null) {
            open.decrementAndGet();
        }
        ctx.fireChannelInactive();
    }

    /** Connections open now. */
    public int open() {
        return open.get();
    }

    /** Connections refused since the start. */
    public long refused() {
        return refused.get();
    }
}
