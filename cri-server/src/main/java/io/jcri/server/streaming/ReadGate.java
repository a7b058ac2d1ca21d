package io.jcri.server.streaming;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.util.AttributeKey;
import java.util.HashSet;
import java.util.Set;

/**
 * Whether a connection reads, for all the inbound queues of its streams at once: reading is a property of the
 * whole connection, so it stops while any queue is over its bound and resumes only once every queue is back under
 * its low mark. Were each queue to switch reading on and off by itself, a stream whose target keeps up would
 * resume reading for a stream whose target reads nothing, and that one's queue would grow without end.
 */
final class ReadGate {
    /** Bytes a queue may hold before its connection stops reading. */
    static final long HIGH_WATER = 1 << 20;
    /** Bytes under which a queue no longer holds its connection back. */
    static final long LOW_WATER = 256 << 10;
    private static final AttributeKey<ReadGate> KEY = AttributeKey.valueOf(ReadGate.class, "gate");

    private final Channel channel;
    /** The queues over their bound that have not yet drained under the low mark. */
    private final Set<InboundPump> full = new HashSet<>();

    private ReadGate(Channel channel) {
        this.channel = channel;
    }

    /** The gate of {@code channel}, shared by every queue of that connection. */
    static ReadGate of(Channel channel) {
        ReadGate gate = new ReadGate(channel);
        ReadGate existing = channel.attr(KEY).setIfAbsent(gate);
        return existing == null ? gate : existing;
    }

    /**
     * Takes in that the bytes pending in {@code queue} changed. The count is read here, under the lock, so that of
     * two threads changing it the last to get here decides with the latest count.
     */
    synchronized void update(InboundPump queue) {
        long pending = queue.pending();
        if (pending > HIGH_WATER) {
            full.add(queue);
        } else if (pending < LOW_WATER) {
            full.remove(queue);
        }
        channel.config().setAutoRead(full.isEmpty());
    }
}
