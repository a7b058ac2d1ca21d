package io.jcri.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A registry front that passes manifests and small blobs through but, for blobs larger than a threshold, sends
 * the headers and the first KiB and then goes silent until closed: a registry that stops making progress.
 */
public final class StallingProxy implements AutoCloseable {
    private static final int STALL_ABOVE = 64 * 1024;

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final RegistryForwarder upstream;
    private final CountDownLatch closed = new CountDownLatch(1);

    public StallingProxy(String upstreamHost) throws IOException {
        upstream = new RegistryForwarder(upstreamHost);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    public String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath();
        RegistryForwarder.Forwarded f = upstream.forward(x, path);
        try (InputStream in = f.body(); OutputStream out = x.getResponseBody()) {
            if (path.contains("/blobs/") && f.length() > STALL_ABOVE) {
                out.write(in.readNBytes(1024));
                out.flush();
                closed.await();
                return;
            }
            in.transferTo(out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
