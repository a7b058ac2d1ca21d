package io.jcri.server.streaming;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.ByteBufUtil;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import java.io.IOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves bytes a client sends (stdin, port-forward data) from the event loop to a blocking target on a virtual
 * thread. Data that arrives before the target exists waits in order; when too much waits, the connection stops
 * reading (for all its streams, through its {@link ReadGate}) until the target catches up.
 */
final class InboundPump {
    private static final Logger LOG = LoggerFactory.getLogger(InboundPump.class);
    private static final byte[] END = new byte[0];

    /** Where the bytes go; {@link #end()} is the client's end of input. */
    interface Target {
        void write(byte[] data) throws IOException;

        void end() throws IOException;
    }

    private final ReadGate gate;
    private final String name;
    private final LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queued = new AtomicLong();
    private volatile Thread worker;
    private volatile boolean stopped;

    InboundPump(Channel channel, String name) {
        this.gate = ReadGate.of(channel);
        this.name = name;
    }

    /** Queues the readable bytes of {@code data} (not released here). */
    void offer(ByteBuf data) {
        if (stopped || !data.isReadable()) {
            return;
        }
        byte[] bytes = ByteBufUtil.getBytes(data);
        queued.addAndGet(bytes.length);
        queue.add(bytes);
        if (stopped) {
            // Stopped while these were being queued: they must not hold the connection back.
            discard();
        } else {
            gate.update(this);
        }
    }

    /** Bytes received and not yet delivered to the target. */
    long pending() {
        return queued.get();
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
        discard();
    }

    private void discard() {
        queue.clear();
        queued.set(0);
        gate.update(this);
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
                queued.addAndGet(-bytes.length);
                gate.update(this);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.debug("{}: target closed: {}", name, e.getMessage());
            stopped = true;
            discard();
        }
    }
}
