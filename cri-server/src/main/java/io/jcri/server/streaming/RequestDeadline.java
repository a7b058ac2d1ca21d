package io.jcri.server.streaming;

import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpRequest;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection whose first request has not fully arrived within the deadline, as web servers bound the
 * wait for a request's header: without it a client that connects and sends nothing holds the connection for the
 * whole idle timeout. Sits after the HTTP aggregator and leaves the pipeline with the first complete request.
 */
final class RequestDeadline extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(RequestDeadline.class);

    private final Duration deadline;
    private ScheduledFuture<?> timer;

    RequestDeadline(Duration deadline) {
        this.deadline = deadline;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timer = ctx.executor().schedule(() -> {
            LOG.info("closing streaming connection from {}: no request within {} ms",
                    ctx.channel().remoteAddress(), deadline.toMillis());
            ctx.close();
        }, deadline.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        timer.cancel(false);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest) {
            ctx.pipeline().remove(this);
        }
        ctx.fireChannelRead(msg);
    }
}
