package io.jcri.server.streaming;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.AttachRequest;
import io.jcri.cri.v1.ExecRequest;
import io.jcri.cri.v1.PortForwardRequest;
import io.jcri.oci.exec.StreamSession;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A test backend that runs exec commands as host processes (no container), attaches to a canned output, and
 * forwards ports to 127.0.0.1 of the host. Container "missing" does not exist.
 */
final class ProcessBackend implements StreamingBackend {
    final List<String> resizes = new CopyOnWriteArrayList<>();
    final List<Process> processes = new CopyOnWriteArrayList<>();
    /** The first process an exec started. */
    final CompletableFuture<Process> firstProcess = new CompletableFuture<>();

    @Override
    public void checkExec(ExecRequest request) {
        check(request.getContainerId());
    }

    @Override
    public void checkAttach(AttachRequest request) {
        check(request.getContainerId());
    }

    @Override
    public void checkPortForward(PortForwardRequest request) {
        check(request.getPodSandboxId());
    }

    private static void check(String id) {
        if (id.equals("missing")) {
            throw new CriException(ErrorKind.NOT_FOUND, "container " + id + " not found");
        }
    }

    @Override
    public StreamSession exec(ExecRequest request) throws IOException {
        Process p = new ProcessBuilder(request.getCmdList()).start();
        processes.add(p);
        firstProcess.complete(p);
        if (!request.getStdin()) {
            p.getOutputStream().close();
        }
        return new StreamSession() {
            @Override
            public OutputStream stdin() {
                return request.getStdin() ? p.getOutputStream() : null;
            }

            @Override
            public InputStream stdout() {
                return request.getStdout() ? p.getInputStream() : null;
            }

            @Override
            public InputStream stderr() {
                return request.getStderr() ? p.getErrorStream() : null;
            }

            @Override
            public void resize(int width, int height) {
                resized(width, height);
            }

            @Override
            public int awaitExit() throws InterruptedException {
                return p.waitFor();
            }

            @Override
            public void close() {
                p.destroyForcibly();
            }
        };
    }

    @Override
    public StreamSession attach(AttachRequest request) {
        return new StreamSession() {
            @Override
            public OutputStream stdin() {
                return null;
            }

            @Override
            public InputStream stdout() {
                return new ByteArrayInputStream("attached\n".getBytes(StandardCharsets.UTF_8));
            }

            @Override
            public InputStream stderr() {
                return null;
            }

            @Override
            public void resize(int width, int height) {
                resized(width, height);
            }

            @Override
            public int awaitExit() {
                return 0;
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public SocketChannel portForward(String sandboxId, int port) throws IOException {
        return SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
    }

    private void resized(int width, int height) {
        synchronized (resizes) {
            resizes.add(width + "x" + height);
            resizes.notifyAll();
        }
    }

    /** Waits until a session was resized to {@code size} ("80x24"); fails after {@code timeout}. */
    void awaitResize(String size, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (resizes) {
            while (!resizes.contains(size)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no resize to " + size + " within " + timeout + ": " + resizes);
                }
                resizes.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
            }
        }
    }
}
