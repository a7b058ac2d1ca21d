package io.jcri.server.streaming;

import io.jcri.cri.v1.AttachRequest;
import io.jcri.cri.v1.ExecRequest;
import io.jcri.cri.v1.PortForwardRequest;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.ChannelFutureListener;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelPipeline;
import io.grpc.netty.shaded.io.netty.channel.SimpleChannelInboundHandler;
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpRequest;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderNames;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderValues;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpObjectAggregator;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpResponseStatus;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpServerCodec;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpUtil;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpVersion;
import io.grpc.netty.shaded.io.netty.handler.codec.http.QueryStringDecoder;
import io.grpc.netty.shaded.io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.grpc.netty.shaded.io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.grpc.netty.shaded.io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.grpc.netty.shaded.io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.grpc.netty.shaded.io.netty.handler.codec.spdy.SpdyVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first request on a streaming connection: finds the pending request behind the URL's token (404 when there
 * is none: unknown, used or expired), negotiates the subprotocol and switches the connection to SPDY or
 * WebSocket for the session.
 */
final class HttpRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(HttpRouter.class);
    private static final int MAX_WEBSOCKET_FRAME = 1 << 20;
    private static final Duration STREAM_CREATION_TIMEOUT = Duration.ofSeconds(30);

    private final TokenRegistry<PendingStream> tokens;
    private final StreamingBackend backend;

    HttpRouter(TokenRegistry<PendingStream> tokens, StreamingBackend backend) {
        this.tokens = tokens;
        this.backend = backend;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        String[] segments = new QueryStringDecoder(req.uri()).path().split("/");
        Optional<PendingStream> pending = segments.length == 3 && segments[0].isEmpty()
                ? tokens.take(segments[2]).filter(p -> p.path().equals(segments[1]))
                : Optional.empty();
        if (pending.isEmpty()) {
            respond(ctx, HttpResponseStatus.NOT_FOUND, "no such streaming session (unknown, used or expired token)");
            return;
        }
        if ("websocket".equalsIgnoreCase(req.headers().get(HttpHeaderNames.UPGRADE))) {
            webSocket(ctx, req, pending.get());
        } else if (req.headers().get(HttpHeaderNames.UPGRADE, "").toLowerCase(Locale.ROOT).contains("spdy/3.1")
                && req.headers().get(HttpHeaderNames.CONNECTION, "").toLowerCase(Locale.ROOT).contains("upgrade")) {
            spdy(ctx, req, pending.get());
        } else {
            respond(ctx, HttpResponseStatus.BAD_REQUEST,
                    "unable to upgrade: streaming needs a SPDY/3.1 or WebSocket upgrade");
        }
    }

    private void spdy(ChannelHandlerContext ctx, FullHttpRequest req, PendingStream pending) {
        List<String> offered = pending instanceof PendingStream.PortForward
                ? List.of(StreamProtocol.PORT_FORWARD_V1) : StreamProtocol.SPDY;
        List<String> asked = new ArrayList<>();
        for (String h : req.headers().getAll(StreamProtocol.VERSION_HEADER)) {
            for (String p : h.split(",")) {
                if (!p.isBlank()) {
                    asked.add(p.strip());
                }
            }
        }
        String chosen = asked.stream().filter(offered::contains).findFirst().orElse("");
        if (chosen.isEmpty() && (!asked.isEmpty() || pending instanceof PendingStream.PortForward)) {
            FullHttpResponse res = response(HttpResponseStatus.FORBIDDEN, "unable to upgrade: unable to negotiate "
                    + "protocol: client supports " + asked + ", server accepts " + offered);
            offered.forEach(p -> res.headers().add(StreamProtocol.ACCEPTED_VERSIONS_HEADER, p));
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.SWITCHING_PROTOCOLS);
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
                .set(HttpHeaderNames.UPGRADE, "SPDY/3.1");
        if (!chosen.isEmpty()) {
            res.headers().set(StreamProtocol.VERSION_HEADER, chosen);
        }
        SpdyConnection.Listener listener = switch (pending) {
            case PendingStream.PortForward pf -> new PortForwardSpdy(ctx.channel(), pf.request().getPodSandboxId(),
                    port -> backend.portForward(pf.request().getPodSandboxId(), port));
            case PendingStream.Exec e -> new RemoteCommandSpdy(ctx.channel(), label(e), StreamProtocol.of(chosen),
                    options(e.request()), () -> backend.exec(e.request()), STREAM_CREATION_TIMEOUT);
            case PendingStream.Attach a -> new RemoteCommandSpdy(ctx.channel(), label(a), StreamProtocol.of(chosen),
                    options(a.request()), () -> backend.attach(a.request()), STREAM_CREATION_TIMEOUT);
        };
        // The 101 is encoded by the HTTP codec as it is written; every byte after it is SPDY.
        ctx.writeAndFlush(res);
        ChannelPipeline p = ctx.pipeline();
        p.addBefore(ctx.name(), "spdy-codec", new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
        p.replace(this, "spdy-session", new SpdyConnection(listener));
        p.remove(HttpObjectAggregator.class);
        p.remove(HttpServerCodec.class);
        LOG.debug("{}: SPDY session, protocol '{}'", label(pending), chosen);
    }

    private void webSocket(ChannelHandlerContext ctx, FullHttpRequest req, PendingStream pending) {
        List<String> offered = pending instanceof PendingStream.PortForward
                ? StreamProtocol.PORT_FORWARD_WEBSOCKET : StreamProtocol.WEBSOCKET;
        WebSocketServerHandshaker hs = new WebSocketServerHandshakerFactory(req.uri(), String.join(",", offered),
                false, MAX_WEBSOCKET_FRAME).newHandshaker(req);
        if (hs == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        hs.handshake(ctx.channel(), req);
        String chosen = hs.selectedSubprotocol() == null ? "" : hs.selectedSubprotocol();
        ChannelPipeline p = ctx.pipeline();
        p.addBefore(ctx.name(), "ws-aggregator", new WebSocketFrameAggregator(MAX_WEBSOCKET_FRAME));
        if (pending instanceof PendingStream.PortForward pf && chosen.equals(StreamProtocol.PORT_FORWARD_TUNNEL)) {
            String sandbox = pf.request().getPodSandboxId();
            p.addBefore(ctx.name(), "ws-tunnel", new WebSocketTunnel());
            p.addBefore(ctx.name(), "spdy-codec", new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
            p.replace(this, "spdy-session", new SpdyConnection(new PortForwardSpdy(ctx.channel(), sandbox,
                    port -> backend.portForward(sandbox, port))));
            LOG.debug("{}: SPDY tunnelled in a WebSocket", label(pending));
            return;
        }
        ChannelHandler session = switch (pending) {
            case PendingStream.Exec e -> new RemoteCommandWebSocket(label(e), StreamProtocol.of(chosen),
                    () -> backend.exec(e.request()));
            case PendingStream.Attach a -> new RemoteCommandWebSocket(label(a), StreamProtocol.of(chosen),
                    () -> backend.attach(a.request()));
            case PendingStream.PortForward pf -> new PortForwardWebSocket(pf.request().getPodSandboxId(),
                    forwardedPorts(pf.request(), req), port -> backend.portForward(pf.request().getPodSandboxId(),
                    port), !chosen.contains("base64"));
        };
        p.replace(this, "ws-session", session);
        LOG.debug("{}: WebSocket session, protocol '{}'", label(pending), chosen);
    }

    /** The ports of the request, or (when it named none) the {@code port} query parameters of the URL. */
    private static List<Integer> forwardedPorts(PortForwardRequest request, FullHttpRequest req) {
        if (request.getPortCount() > 0) {
            return request.getPortList();
        }
        List<Integer> ports = new ArrayList<>();
        for (String p : new QueryStringDecoder(req.uri()).parameters().getOrDefault("port", List.of())) {
            try {
                ports.add(Integer.parseInt(p));
            } catch (NumberFormatException e) {
                LOG.debug("ignoring port parameter '{}'", p);
            }
        }
        return ports;
    }

    private static RemoteCommandOptions options(ExecRequest r) {
        return new RemoteCommandOptions(r.getStdin(), r.getStdout(), r.getStderr(), r.getTty());
    }

    private static RemoteCommandOptions options(AttachRequest r) {
        return new RemoteCommandOptions(r.getStdin(), r.getStdout(), r.getStderr(), r.getTty());
    }

    private static String label(PendingStream p) {
        return switch (p) {
            case PendingStream.Exec e -> "exec " + e.request().getContainerId();
            case PendingStream.Attach a -> "attach " + a.request().getContainerId();
            case PendingStream.PortForward pf -> "port-forward " + pf.request().getPodSandboxId();
        };
    }

    private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String message) {
        ctx.writeAndFlush(response(status, message)).addListener(ChannelFutureListener.CLOSE);
    }

    private static FullHttpResponse response(HttpResponseStatus status, String message) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(message + "\n", StandardCharsets.UTF_8));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        HttpUtil.setContentLength(res, res.content().readableBytes());
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return res;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.warn("streaming request from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
