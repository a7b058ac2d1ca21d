package io.jcri.server.inspect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Status;
import io.jcri.cri.v1.ImageServiceGrpc;
import io.jcri.cri.v1.RuntimeServiceGrpc;
import io.jcri.server.DaemonStartException;
import io.jcri.server.RestrictedSocket;
import io.jcri.server.grpc.StatusMapper;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read-only inspect API: HTTP/1.1 with JSON answers on a UNIX socket of the CRI socket's mode and group, one
 * request per connection. Requests are bounded in size and time; anything but GET on a known path answers 405,
 * an unknown path 404.
 */
public final class InspectServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InspectServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Request line and headers together; a GET has no body. */
    static final int MAX_REQUEST_BYTES = 16 * 1024;
    /** A connection that has not sent its request and taken the answer by then is closed. */
    private static final long EXCHANGE_TIMEOUT_SECONDS = 30;

    private final Path socket;
    private final ServerSocketChannel listener;
    private final InspectRoutes routes;
    private final ExecutorService connections = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService timeouts = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("inspect-timeouts").factory());
    private final int maxConnections;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();

    private InspectServer(Path socket, ServerSocketChannel listener, InspectRoutes routes, int maxConnections) {
        this.socket = socket;
        this.listener = listener;
        this.routes = routes;
        this.maxConnections = maxConnections;
    }

    /**
     * Binds {@code socket} (replacing a stale file, refusing one another server answers on), gives it mode 0660
     * and {@code group}, and serves.
     *
     * @param containersDir  where container bundles live ({@code <state root>/containers})
     * @param maxConnections connections served at once; one more is closed as soon as it is accepted (each holds
     *                       a virtual thread, a descriptor and up to 30 s of a timer: a local client opening them
     *                       without end must not take the daemon's descriptors)
     */
    public static InspectServer start(Path socket, String group, RuntimeServiceGrpc.RuntimeServiceImplBase runtime,
                                      ImageServiceGrpc.ImageServiceImplBase images, Supplier<String> configJson,
                                      Path containersDir, int maxConnections)
            throws IOException {
        Files.createDirectories(socket.getParent());
        if (Files.exists(socket)) {
            if (RestrictedSocket.answers(socket)) {
                throw new DaemonStartException("inspect.socket " + socket + " is served by another process; stop "
                        + "it or configure another path");
            }
            Files.delete(socket);
        }
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            RestrictedSocket.bind(socket, group, "server.socket_group", at -> ch.bind(UnixDomainSocketAddress.of(at)));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e instanceof DaemonStartException d ? d : new DaemonStartException("inspect.socket " + socket
                    + ": " + e.getMessage());
        }
        InspectServer server = new InspectServer(socket, ch,
                new InspectRoutes(runtime, images, configJson, containersDir), maxConnections);
        Thread.ofPlatform().daemon().name("inspect-accept").start(server::acceptLoop);
        LOG.info("inspect API on unix://{}", socket);
        return server;
    }

    private void acceptLoop() {
        while (listener.isOpen()) {
            try {
                SocketChannel client = listener.accept();
                if (open.incrementAndGet() > maxConnections) {
                    open.decrementAndGet();
                    refused.incrementAndGet();
                    LOG.warn("inspect API: refusing a connection: {} are open already", maxConnections);
                    closeQuietly(client);
                    continue;
                }
                connections.execute(() -> {
                    try {
                        serve(client);
                    } finally {
                        open.decrementAndGet();
                    }
                });
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                LOG.warn("inspect API: accept failed: {}", e.getMessage());
            }
        }
    }

    /** Connections being served now. */
    public int openConnections() {
        return open.get();
    }

    /** Connections closed at once since the start: {@code inspect.max_connections} were open. */
    public long refusedConnections() {
        return refused.get();
    }

    private void serve(SocketChannel client) {
        // UNIX socket channels have no read timeout; closing the channel is what ends a blocked read
        ScheduledFuture<?> timeout = timeouts.schedule(() -> closeQuietly(client), EXCHANGE_TIMEOUT_SECONDS,
                TimeUnit.SECONDS);
        try (client) {
            write(client, respond(readHead(client)));
            drain(client);
        } catch (IOException e) {
            LOG.debug("inspect API connection: {}", e.getMessage());
        } finally {
            timeout.cancel(false);
        }
    }

    /** The request line and headers, up to the blank line; null when they do not fit or the client gave up. */
    private static String readHead(SocketChannel client) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(MAX_REQUEST_BYTES);
        while (buf.hasRemaining()) {
            if (client.read(buf) < 0) {
                return null;
            }
            String text = new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            if (end >= 0) {
                return text.substring(0, end);
            }
        }
        return null;
    }

    /**
     * Ends the answer, then reads what the client still sends (a refused oversized request) until it closes:
     * closing with unread input would reset the connection before the client has read the answer.
     */
    private static void drain(SocketChannel client) throws IOException {
        client.shutdownOutput();
        ByteBuffer discard = ByteBuffer.allocate(8192);
        long left = 4L * MAX_REQUEST_BYTES;
        int n;
        while (left > 0 && (n = client.read(discard.clear())) >= 0) {
            left -= n;
        }
    }

    private Response respond(String head) {
        if (head == null) {
            return Response.error(431, "request head too large or incomplete");
        }
        String[] line = head.substring(0, head.contains("\r\n") ? head.indexOf("\r\n") : head.length()).split(" ");
        if (line.length != 3 || !line[2].startsWith("HTTP/1.")) {
            return Response.error(400, "not an HTTP/1.x request line");
        }
        String path = line[1].contains("?") ? line[1].substring(0, line[1].indexOf('?')) : line[1];
        Optional<Supplier<JsonNode>> route = routes.route(path);
        if (route.isEmpty()) {
            return Response.error(404, "no such path: " + path + " (paths: /info, /pods, /pods/{id}, "
                    + "/containers/{id}, /images)");
        }
        if (!line[0].equals("GET")) {
            return Response.error(405, "method " + line[0] + " not allowed: the inspect API is read-only (GET)");
        }
        try {
            return Response.json(200, route.get().get());
        } catch (RuntimeException e) {
            Status s = StatusMapper.toStatus(e);
            int code = switch (s.getCode()) {
                case NOT_FOUND -> 404;
                case INVALID_ARGUMENT -> 400;
                case UNAVAILABLE -> 503;
                default -> 500;
            };
            if (code == 500) {
                LOG.error("inspect API {} failed", path, e);
            }
            return Response.error(code, s.getDescription());
        }
    }

    private static void write(SocketChannel client, Response r) throws IOException {
        String head = "HTTP/1.1 " + r.code + " " + reason(r.code) + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + r.body.length + "\r\nConnection: close\r\n"
                + (r.code == 405 ? "Allow: GET\r\n" : "") + "\r\n";
        ByteBuffer[] out = {ByteBuffer.wrap(head.getBytes(StandardCharsets.ISO_8859_1)), ByteBuffer.wrap(r.body)};
        while (out[1].hasRemaining()) {
            client.write(out);
        }
    }

    private static String reason(int code) {
        return switch (code) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 431 -> "Request Header Fields Too Large";
            case 503 -> "Service Unavailable";
            default -> "Internal Server Error";
        };
    }

    private record Response(int code, byte[] body) {
        static Response json(int code, JsonNode body) {
            try {
                return new Response(code, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(body));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        static Response error(int code, String message) {
            return json(code, JSON.createObjectNode().put("error", message == null ? "" : message));
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            LOG.debug("closing a timed-out inspect connection: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warn("closing the inspect API socket {}: {}", socket, e.getMessage());
        }
        connections.shutdownNow();
        timeouts.shutdownNow();
    }
}
