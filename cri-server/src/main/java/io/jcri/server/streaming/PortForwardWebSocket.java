package io.jcri.server.streaming;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFuture;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.SimpleChannelInboundHandler;
import io.grpc.netty.shaded.io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Port-forward over WebSocket, as kubelet serves it: the ports of the request, in order, each get a data channel
 * ({@code 2i}) and an error channel ({@code 2i+1}), both opened by a first message holding the port as two
 * little-endian bytes; one connection per port lives as long as the WebSocket.
 */
final class PortForwardWebSocket extends SimpleChannelInboundHandler<WebSocketFrame> {
    private static final Logger LOG = LoggerFactory.getLogger(PortForwardWebSocket.class);

    private final String sandboxId;
    private final List<Integer> ports;
    private final PortForwarding.Connector connector;
    private final WebSocketChannels channels;
    private PortForwarding forwarding;
    private InboundPump[] inbound;

    PortForwardWebSocket(String sandboxId, List<Integer> ports, PortForwarding.Connector connector, boolean binary) {
        this.sandboxId = sandboxId;
        this.ports = List.copyOf(ports);
        this.connector = connector;
        this.channels = new WebSocketChannels(binary);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        forwarding = new PortForwarding(ch, sandboxId, connector);
        inbound = new InboundPump[ports.size()];
        for (int i = 0; i < ports.size(); i++) {
            int port = ports.get(i);
            int data = 2 * i;
            byte[] portBytes = {(byte) port, (byte) (port >> 8)};
            ch.write(channels.frame(data, portBytes));
            ch.writeAndFlush(channels.frame(data + 1, portBytes));
            inbound[i] = new InboundPump(ch, "portforward-" + sandboxId + "-" + port);
            forwarding.start(port, inbound[i], new PortForwarding.Client() {
                @Override
                public ChannelFuture data(byte[] bytes) {
                    return ch.writeAndFlush(channels.frame(data, bytes));
                }

                @Override
                public void error(String message) {
                    ch.writeAndFlush(channels.frame(data + 1, message.getBytes(StandardCharsets.UTF_8)));
                }

                @Override
                public void end() {
                    // The channels of a port end with the WebSocket.
                }
            });
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        ByteBuf content = channels.content(frame);
        if (content != null) {
            if (content.isReadable()) {
                int ch = content.readUnsignedByte();
                if (ch % 2 == 0 && ch / 2 < inbound.length) {
                    inbound[ch / 2].offer(content);
                } else {
                    LOG.debug("port-forward {}: ignoring a message on channel {}", sandboxId, ch);
                }
            }
            return;
        }
        if (!WebSocketChannels.control(ctx, frame)) {
            LOG.debug("port-forward {}: ignoring {}", sandboxId, frame.getClass().getSimpleName());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        forwarding.closeAll();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.warn("port-forward {}: WebSocket connection failed: {}", sandboxId, cause.toString());
        ctx.close();
    }
}
