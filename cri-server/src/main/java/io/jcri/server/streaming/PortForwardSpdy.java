package io.jcri.server.streaming;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFuture;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Port-forward over SPDY ({@code portforward.k8s.io}): the client opens an error stream and a data stream per
 * forwarded connection, paired by their {@code requestID} header and naming the {@code port}. Each pair gets its
 * own connection to the port inside the pod; failures are reported on the pair's error stream.
 */
final class PortForwardSpdy implements SpdyConnection.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(PortForwardSpdy.class);

    private final Channel channel;
    private final String sandboxId;
    private final PortForwarding forwarding;
    /** Event loop only. */
    private final Map<String, Pair> pairs = new HashMap<>();

    PortForwardSpdy(Channel channel, String sandboxId, PortForwarding.Connector connector) {
        this.channel = channel;
        this.sandboxId = sandboxId;
        this.forwarding = new PortForwarding(channel, sandboxId, connector);
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
            start(p, s.header("port"));
        }
    }

    private void start(Pair p, String portHeader) {
        PortForwarding.Client client = new PortForwarding.Client() {
            @Override
            public ChannelFuture data(byte[] bytes) {
                return p.data.write(bytes);
            }

            @Override
            public void error(String message) {
                p.error.write(message.getBytes(StandardCharsets.UTF_8));
            }

            @Override
            public void end() {
                p.data.finish();
                p.error.finish();
            }
        };
        int port = parsePort(portHeader);
        if (port < 0) {
            p.inbound.stop();
            client.error("invalid port '" + portHeader + "'");
            client.end();
            return;
        }
        forwarding.start(port, p.inbound, client);
    }

    /** The port of a header, or -1 when it is not one. */
    private static int parsePort(String header) {
        try {
            int port = Integer.parseInt(header);
            return port >= 1 && port <= 65535 ? port : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void closed() {
        LOG.debug("port-forward {}: client disconnected", sandboxId);
        forwarding.closeAll();
    }

    private static final class Pair {
        SpdyStream error;
        SpdyStream data;
        InboundPump inbound;
    }
}
