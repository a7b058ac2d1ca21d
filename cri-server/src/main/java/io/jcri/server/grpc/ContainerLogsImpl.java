package io.jcri.server.grpc;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.jcri.api.v1.ContainerLogsGrpc;
import io.jcri.api.v1.LogChunk;
import io.jcri.api.v1.ReadLogRequest;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.ContainerStatus;
import io.jcri.runtime.container.ContainerService;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * {@code jcri.v1.ContainerLogs}: streams a container's log file as it is now, so that a client on another host
 * ({@code jcri logs} over TCP) can read what crictl reads from the node's disk. Chunks are sent only as fast as
 * the client takes them.
 */
public final class ContainerLogsImpl extends ContainerLogsGrpc.ContainerLogsImplBase {
    private static final int CHUNK_BYTES = 64 * 1024;
    /** A client that takes no chunk for this long is given up on. */
    private static final Duration STALLED = Duration.ofSeconds(60);

    private final ContainerService containers;

    public ContainerLogsImpl(ContainerService containers) {
        this.containers = containers;
    }

    @Override
    public void readLog(ReadLogRequest request, StreamObserver<LogChunk> out) {
        if (request.getTailBytes() < 0) {
            throw CriException.invalid("tail_bytes must be >= 0, got " + request.getTailBytes());
        }
        ContainerStatus status = containers.status(request.getContainerId(), false).getStatus();
        if (status.getLogPath().isEmpty()) {
            throw new CriException(ErrorKind.FAILED_PRECONDITION, "container " + status.getId()
                    + " has no log file: its pod sets no log_directory or it sets no log_path");
        }
        ServerCallStreamObserver<LogChunk> call = (ServerCallStreamObserver<LogChunk>) out;
        try (FileChannel file = FileChannel.open(Path.of(status.getLogPath()), StandardOpenOption.READ)) {
            long end = file.size();
            file.position(startOf(file, end, request.getTailBytes()));
            ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES);
            while (file.position() < end) {
                buf.clear().limit((int) Math.min(CHUNK_BYTES, end - file.position()));
                if (file.read(buf) < 0) {
                    break;
                }
                if (!awaitReady(call)) {
                    return;
                }
                call.onNext(LogChunk.newBuilder().setData(ByteString.copyFrom(buf.flip())).build());
            }
        } catch (NoSuchFileException e) {
            throw new CriException(ErrorKind.NOT_FOUND, "container " + status.getId()
                    + ": its log file " + status.getLogPath() + " does not exist (yet)", e);
        } catch (IOException e) {
            throw new CriException(ErrorKind.INTERNAL, "container " + status.getId() + ": reading "
                    + status.getLogPath() + ": " + e.getMessage(), e);
        }
        call.onCompleted();
    }

    /** Where reading starts: the file's start, or the first line start within the last {@code tail} bytes. */
    private static long startOf(FileChannel file, long end, long tail) throws IOException {
        if (tail == 0 || tail >= end) {
            return 0;
        }
        long pos = end - tail;
        ByteBuffer one = ByteBuffer.allocate(1);
        // the byte before pos decides whether pos begins a line; otherwise the partial line is skipped
        for (long p = pos - 1; p < end; p++) {
            one.clear();
            if (file.read(one, p) <= 0) {
                return end;
            }
            if (one.get(0) == '\n') {
                return p + 1;
            }
        }
        return end;
    }

    /** Waits while the client's window is full; false when the call ended meanwhile. */
    private static boolean awaitReady(ServerCallStreamObserver<LogChunk> call) {
        long deadline = System.nanoTime() + STALLED.toNanos();
        while (!call.isReady()) {
            if (call.isCancelled()) {
                return false;
            }
            if (System.nanoTime() > deadline) {
                throw new CriException(ErrorKind.DEADLINE_EXCEEDED, "the client took no log data for "
                        + STALLED.toSeconds() + "s");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return !call.isCancelled();
    }
}
