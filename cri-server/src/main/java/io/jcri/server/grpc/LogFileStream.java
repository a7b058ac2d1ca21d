package io.jcri.server.grpc;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import io.jcri.api.v1.LogChunk;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one open log file, from its position to {@code end}, to one ReadLog call, as fast as the client takes it and
 * no faster. Nothing waits: the transport becoming ready runs {@link #drain}; a client that takes nothing for
 * {@code stalled} is given up on (DEADLINE_EXCEEDED), and the file is closed however the call ends.
 */
final class LogFileStream {
    private static final Logger LOG = LoggerFactory.getLogger(LogFileStream.class);
    private static final int CHUNK_BYTES = 64 * 1024;

    private final FileChannel file;
    private final long end;
    private final ServerCallStreamObserver<LogChunk> call;
    private final String what;
    private final Duration stalled;
    private final ScheduledExecutorService timer;
    /** Drains asked for and not yet done: only the caller raising it from zero drains, one thread at a time. */
    private final AtomicInteger wanted = new AtomicInteger();
    /** Chunks sent; the stall check compares it with what it saw last time. */
    private volatile long sent;
    private volatile boolean timedOut;
    private boolean finished;

    private LogFileStream(FileChannel file, long end, ServerCallStreamObserver<LogChunk> call, String what,
                          Duration stalled, ScheduledExecutorService timer) {
        this.file = file;
        this.end = end;
        this.call = call;
        this.what = what;
        this.stalled = stalled;
        this.timer = timer;
    }

    /** Starts sending {@code file} up to {@code end} and returns at once; the stream owns the file from here. */
    static void start(FileChannel file, long end, ServerCallStreamObserver<LogChunk> call, String what,
                      Duration stalled, ScheduledExecutorService timer) {
        LogFileStream stream = new LogFileStream(file, end, call, what, stalled, timer);
        call.setOnCancelHandler(stream::drain);
        call.setOnReadyHandler(stream::drain);
        stream.checkLater(-1);
        stream.drain();
    }

    private void checkLater(long sentBefore) {
        timer.schedule(() -> {
            if (!file.isOpen()) {
                return;
            }
            if (sent == sentBefore) {
                timedOut = true;
                drain();
            } else {
                checkLater(sent);
            }
        }, stalled.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void drain() {
        if (wanted.getAndIncrement() != 0) {
            return;
        }
        do {
            if (!finished) {
                step();
            }
        } while (wanted.decrementAndGet() != 0);
    }

    /** Sends what the transport takes now, and ends the call when the file is sent, stalled or cancelled. */
    private void step() {
        try {
            ByteBuffer buf = null;
            while (!call.isCancelled() && !timedOut && call.isReady() && file.position() < end) {
                buf = buf == null ? ByteBuffer.allocate(CHUNK_BYTES) : buf.clear();
                buf.limit((int) Math.min(CHUNK_BYTES, end - file.position()));
                if (file.read(buf) < 0) {
                    break; // truncated under us: what was there is sent
                }
                call.onNext(LogChunk.newBuilder().setData(ByteString.copyFrom(buf.flip())).build());
                sent++;
            }
            if (call.isCancelled()) {
                finish();
            } else if (timedOut) {
                finish();
                call.onError(StatusMapper.toStatus(new CriException(ErrorKind.DEADLINE_EXCEEDED,
                        "the client took no log data for " + stalled.toSeconds() + "s")).asRuntimeException());
            } else if (file.position() >= end || file.position() >= file.size()) {
                finish();
                call.onCompleted();
            }
        } catch (IOException e) {
            finish();
            call.onError(StatusMapper.toStatus(new CriException(ErrorKind.INTERNAL, what + ": " + e.getMessage(),
                    e)).asRuntimeException());
        }
    }

    private void finish() {
        finished = true;
        try {
            file.close();
        } catch (IOException e) {
            LOG.debug("closing {}: {}", what, e.toString());
        }
    }
}
