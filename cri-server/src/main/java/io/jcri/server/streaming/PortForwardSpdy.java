package io.jcri.server.streaming;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Port-forward over SPDY ({@code portforward.k8s.io}): the client opens an error stream and a data stream per
 * forwarded connection, paired by their {@code requestID} header and naming the {@code port}. Each pair gets its
 * own connection to the port inside the pod; failures are reported on the pair's error stream.
 */
final class PortForwardSpdy implements SpdyConnection.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(PortForwardSpdy.class);
    private static final int CHUNK = 32 * 1024;

    /** Connects to a port in the pod. */
    interface Connector {
        SocketChannel connect(int port) throws IOException;
    }

    private final Channel channel;
    private final String sandboxId;
    private final Connector connector;
    /** Event loop only. */
    private final Map<String, Pair> pairs = new HashMap<>();
    private final Set<SocketChannel> sockets = ConcurrentHashMap.newKeySet();

    PortForwardSpdy(Channel channel, String sandboxId, Connector connector) {
        this.channel = channel;
        this.sandboxId = sandboxId;
        this.connector = connector;
    }

    @Override
    public void stream(SpdyStream s) {
        String type = s.header(StreamProtocol.STREAM_TYPE_HEADER);
        if (!type.equals("error") && !type.equals("data")) {
            LOG.warn("port-forward {}: unexpected stream type '{}'", sandboxId, type);
            s.reset();
            return;
        }
        // Clients that send no request id pair an error stream with the data stream opened right after it.
        String requestId = s.header("requestid");
        if (requestId.isEmpty()) {
            requestId = Integer.toString(type.equals("error") ? s.id() + 2 : s.id());
        }
        Pair p = pairs.computeIfAbsent(requestId, k -> new Pair());
        if (type.equals("error")) {
            p.error = s;
        } else {
            p.data = s;
            p.inbound = new InboundPump(channel, "portforward-" + sandboxId + "-" + requestId);
            InboundPump in = p.inbound;
            s.receiver(new SpdyStream.Receiver() {
                @Override
                public void data(ByteBuf data) {
                    in.offer(data);
                }

                @Override
                public void end() {
                    in.end();
                }
            });
        }
        if (p.error != null && p.data != null) {
            pairs.remove(requestId);
            String portHeader = s.header("port");
            Thread.ofVirtual().name("portforward-" + sandboxId + "-" + requestId).start(() -> forward(p, portHeader));
        }
    }

    private void forward(Pair p, String portHeader) {
        int port;
        try {
            port = Integer.parseInt(portHeader);
            if (port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            fail(p, "invalid port '" + portHeader + "'");
            return;
        }
        SocketChannel socket;
        try {
            socket = connector.connect(port);
        } catch (IOException | RuntimeException e) {
            fail(p, "error forwarding port " + port + " to pod " + sandboxId + ": " + e.getMessage());
            return;
        }
        LOG.debug("port-forward {}: connected to port {}", sandboxId, port);
        sockets.add(socket);
        if (!channel.isActive()) {
            closeQuietly(socket);
        }
        try (socket) {
            p.inbound.start(new InboundPump.Target() {
                @Override
                public void write(byte[] data) throws IOException {
                    ByteBuffer b = ByteBuffer.wrap(data);
                    while (b.hasRemaining()) {
                        socket.write(b);
                    }
                }

                @Override
                public void end() throws IOException {
                    socket.shutdownOutput();
                }
            });
            ByteBuffer buf = ByteBuffer.allocate(CHUNK);
            while (socket.read(buf) >= 0) {
                buf.flip();
                if (buf.hasRemaining()) {
                    byte[] bytes = new byte[buf.remaining()];
                    buf.get(bytes);
                    if (!p.data.write(bytes).awaitUninterruptibly().isSuccess()) {
                        break;
                    }
                }
                buf.clear();
            }
        } catch (IOException e) {
            LOG.debug("port-forward {}: port {} connection ended: {}", sandboxId, port, e.getMessage());
        } finally {
            sockets.remove(socket);
            p.inbound.stop();
        }
        p.data.finish();
        p.error.finish();
    }

    private void fail(Pair p, String message) {
        LOG.warn("port-forward {}: {}", sandboxId, message);
        p.inbound.stop();
        p.error.write(message.getBytes(StandardCharsets.UTF_8));
        p.error.finish();
        p.data.finish();
    }

    @Override
    public void closed() {
        LOG.debug("port-forward {}: client disconnected", sandboxId);
        sockets.forEach(PortForwardSpdy::closeQuietly);
    }

    private static void closeQuietly(SocketChannel socket) {
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("closing a port-forward connection: {}", e.getMessage());
        }
    }

    private static final class Pair {
        SpdyStream error;
        SpdyStream data;
        InboundPump inbound;
    }
}
