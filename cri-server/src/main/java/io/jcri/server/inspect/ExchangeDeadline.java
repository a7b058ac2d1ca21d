package io.jcri.server.inspect;

import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes an inspect connection a fixed time after it was accepted, whatever it is doing: one exchange (a request
 * and its answer) must fit in that time, so a client that sends slowly or does not read its answer does not hold
 * a place of the connection cap.
 */
final class ExchangeDeadline extends ChannelInboundHandlerAdapter {
    private final Duration deadline;
    private ScheduledFuture<?> timer;

    ExchangeDeadline(Duration deadline) {
        this.deadline = deadline;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Runnable close = ctx::close;
        timer = ctx.executor().schedule(close, deadline.toNanos(), TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
        ctx.fireChannelInactive();
    }
}
