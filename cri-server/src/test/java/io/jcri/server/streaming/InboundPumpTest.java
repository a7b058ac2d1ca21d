package io.jcri.server.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class InboundPumpTest {
    private static final int CHUNK = 64 << 10;
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** A target that takes nothing until released. */
    private static InboundPump.Target stuck(CountDownLatch release) {
        return new InboundPump.Target() {
            @Override
            public void write(byte[] data) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void end() {
            }
        };
    }

    private static InboundPump.Target counting(AtomicLong delivered) {
        return new InboundPump.Target() {
            @Override
            public void write(byte[] data) {
                delivered.addAndGet(data.length);
            }

            @Override
            public void end() {
            }
        };
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT + ": " + what);
            }
            Thread.yield();
        }
    }

    @Test
    void aStreamWhoseTargetKeepsUpDoesNotResumeReadingForOneWhoseTargetReadsNothing() throws Exception {
        EmbeddedChannel connection = new EmbeddedChannel();
        CountDownLatch release = new CountDownLatch(1);
        AtomicLong delivered = new AtomicLong();
        InboundPump slow = new InboundPump(connection, "slow");
        InboundPump fast = new InboundPump(connection, "fast");
        slow.start(stuck(release));
        fast.start(counting(delivered));
        ByteBuf chunk = Unpooled.wrappedBuffer(new byte[CHUNK]);
        long sent = 0;
        // A client that sends on both streams whenever the connection reads, 200 rounds (12.5 MiB a stream).
        for (int round = 0; round < 200; round++) {
            if (connection.config().isAutoRead()) {
                slow.offer(chunk);
                fast.offer(chunk);
                sent += CHUNK;
                long expected = sent;
                await(() -> delivered.get() == expected, "the fast stream's target got its bytes");
            }
        }
        assertThat(slow.pending()).as("bytes waiting for the target that reads nothing")
                .isLessThanOrEqualTo(ReadGate.HIGH_WATER + CHUNK);
        assertThat(connection.config().isAutoRead()).isFalse();
        release.countDown();
        await(() -> connection.config().isAutoRead(), "reading resumes once the slow target drained");
        assertThat(slow.pending()).isLessThan(ReadGate.LOW_WATER);
        slow.stop();
        fast.stop();
    }

    @Test
    void aStoppedStreamNoLongerHoldsTheConnectionBack() throws Exception {
        EmbeddedChannel connection = new EmbeddedChannel();
        InboundPump waiting = new InboundPump(connection, "waiting");
        ByteBuf chunk = Unpooled.wrappedBuffer(new byte[CHUNK]);
        for (int i = 0; i * CHUNK <= ReadGate.HIGH_WATER; i++) {
            waiting.offer(chunk);
        }
        assertThat(connection.config().isAutoRead()).isFalse();
        waiting.stop();
        assertThat(connection.config().isAutoRead()).isTrue();
        assertThat(waiting.pending()).isZero();
    }
}
