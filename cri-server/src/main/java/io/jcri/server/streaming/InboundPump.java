package io.jcri.server.streaming;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import java.io.IOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves bytes a client sends (stdin, port-forward data) from the event loop to a blocking target on a virtual
 * thread. Data that arrives before the target exists waits in order; when too much waits, the connection stops
 * reading until the target catches up.
 */
final class InboundPump {
    private static final Logger LOG = LoggerFactory.getLogger(InboundPump.class);
    private static final long HIGH_WATER = 1 << 20;
    private static final long LOW_WATER = 256 << 10;
    private static final byte[] END = new byte[0];

    /** Where the bytes go; {@link #end()} is the client's end of input. */
    interface Target {
        void write(byte[] data) throws IOException;

        void end() throws IOException;
    }

    private final Channel channel;
    private final String name;
    private final LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queued = new AtomicLong();
    private volatile Thread worker;
    private volatile boolean stopped;

    InboundPump(Channel channel, String name) {
        this.channel = channel;
        this.name = name;
    }

    /** Queues the readable bytes of {@code data} (not released here). */
    void offer(ByteBuf data) {
        if (stopped || !data.isReadable()) {
            return;
        }
        byte[] bytes = ByteBufUtil.getBytes(data);
        if (queued.addAndGet(bytes.length) > HIGH_WATER) {
            channel.config().setAutoRead(false);
        }
        queue.add(bytes);
    }

    /** The client will send no more. */
    void end() {
        queue.add(END);
    }

    /** Starts delivering to {@code target}, everything queued so far first. */
    void start(Target target) {
        worker = Thread.ofVirtual().name("pump-" + name).start(() -> deliver(target));
    }

    /** Stops delivering; what is queued or still arrives is dropped. */
    void stop() {
        stopped = true;
        Thread w = worker;
        if (w != null) {
            w.interrupt();
        }
        queue.clear();
        channel.config().setAutoRead(true);
    }

    private void deliver(Target target) {
        try {
            while (true) {
                byte[] bytes = queue.take();
                if (bytes == END) {
                    target.end();
                    return;
                }
                target.write(bytes);
                if (queued.addAndGet(-bytes.length) < LOW_WATER && !channel.config().isAutoRead()) {
                    channel.config().setAutoRead(true);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.debug("{}: target closed: {}", name, e.getMessage());
            stopped = true;
            queue.clear();
            channel.config().setAutoRead(true);
        }
    }
}
