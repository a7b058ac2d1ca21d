package io.jcri.server.grpc;

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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * {@code jcri.v1.ContainerLogs}: streams a container's log file as it is now, so that a client on another host
 * ({@code jcri logs} over TCP) can read what crictl reads from the node's disk. Chunks are sent only as fast as
 * the client takes them.
 */
public final class ContainerLogsImpl extends ContainerLogsGrpc.ContainerLogsImplBase {
    /** A client that takes no chunk for this long is given up on. */
    private static final Duration STALLED = Duration.ofSeconds(60);

    private final ContainerService containers;
    /** Gives up on streams whose client stopped taking data; one thread for all of them. */
    private final ScheduledExecutorService stalls = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("jcri-log-stalls").factory());

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
        String what = "container " + status.getId() + ": reading " + status.getLogPath();
        FileChannel file = null;
        try {
            file = FileChannel.open(Path.of(status.getLogPath()), StandardOpenOption.READ);
            long end = file.size();
            file.position(startOf(file, end, request.getTailBytes()));
            LogFileStream.start(file, end, (ServerCallStreamObserver<LogChunk>) out, what, STALLED, stalls);
        } catch (NoSuchFileException e) {
            throw new CriException(ErrorKind.NOT_FOUND, "container " + status.getId()
                    + ": its log file " + status.getLogPath() + " does not exist (yet)", e);
        } catch (IOException e) {
            closeQuietly(file);
            throw new CriException(ErrorKind.INTERNAL, what + ": " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(FileChannel file) {
        if (file != null) {
            try {
                file.close();
            } catch (IOException ignored) {
                // the open or seek already failed; that is the error to report
            }
        }
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
}
