package io.jcri.server.streaming;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFuture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forwarded connections of one port-forward session, whatever the framing: each connects to a port in the
 * pod, copies the client's bytes (queued in an {@link InboundPump}) to it and its bytes back, and reports a
 * failure the way kubelet words it. All of them close when the client goes away.
 */
final class PortForwarding {
    private static final Logger LOG = LoggerFactory.getLogger(PortForwarding.class);
    private static final int CHUNK = 32 * 1024;

    /** Connects to a port in the pod. */
    interface Connector {
        SocketChannel connect(int port) throws IOException;
    }

    /** One connection as the client sees it. */
    interface Client {
        /** Bytes from the port; the future completes once they are written. */
        ChannelFuture data(byte[] bytes);

        /** Why the connection failed. */
        void error(String message);

        /** The port closed its side (or failed): nothing more will come. */
        void end();
    }

    private final Channel channel;
    private final String sandboxId;
    private final Connector connector;
    private final Set<SocketChannel> sockets = ConcurrentHashMap.newKeySet();

    PortForwarding(Channel channel, String sandboxId, Connector connector) {
        this.channel = channel;
        this.sandboxId = sandboxId;
        this.connector = connector;
    }

    /** Runs one connection to {@code port} on a virtual thread until either side ends it. */
    void start(int port, InboundPump inbound, Client client) {
        Thread.ofVirtual().name("portforward-" + sandboxId + "-" + port).start(() -> forward(port, inbound, client));
    }

    private void forward(int port, InboundPump inbound, Client client) {
        SocketChannel socket;
        try {
            socket = connector.connect(port);
        } catch (IOException | RuntimeException e) {
            String message = "error forwarding port " + port + " to pod " + sandboxId + ": " + e.getMessage();
            LOG.warn("port-forward {}: {}", sandboxId, message);
            inbound.stop();
            client.error(message);
            client.end();
            return;
        }
        LOG.debug("port-forward {}: connected to port {}", sandboxId, port);
        sockets.add(socket);
        if (!channel.isActive()) {
            closeQuietly(socket);
        }
        try (socket) {
            inbound.start(new InboundPump.Target() {
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
                    if (!client.data(bytes).awaitUninterruptibly().isSuccess()) {
                        break;
                    }
                }
                buf.clear();
            }
        } catch (IOException e) {
            LOG.debug("port-forward {}: port {} connection ended: {}", sandboxId, port, e.getMessage());
        } finally {
            sockets.remove(socket);
            inbound.stop();
        }
        client.end();
    }

    /** The client went away: close every connection. */
    void closeAll() {
        sockets.forEach(PortForwarding::closeQuietly);
    }

    private static void closeQuietly(SocketChannel socket) {
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("closing a port-forward connection: {}", e.getMessage());
        }
    }
}
