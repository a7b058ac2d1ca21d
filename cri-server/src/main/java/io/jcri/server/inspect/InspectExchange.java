package io.jcri.server.inspect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.SimpleChannelInboundHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.ChannelInputShutdownEvent;
import io.grpc.netty.shaded.io.netty.channel.socket.DuplexChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.TooLongFrameException;
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderValues;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpMethod;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpObject;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpRequest;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpResponseStatus;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpVersion;
import io.jcri.server.grpc.StatusMapper;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One inspect connection's exchange: its first request is answered, with {@code Connection: close}, and
 * anything the client sends after it (the body of a refused POST, a second request) is read and dropped until
 * the client closes, as closing with unread input would reset the connection before the client read the answer.
 */
final class InspectExchange extends SimpleChannelInboundHandler<HttpObject> {
    private static final Logger LOG = LoggerFactory.getLogger(InspectExchange.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InspectRoutes routes;
    private final Executor calls;
    // Event loop only.
    private boolean requested;
    private boolean answered;
    private boolean inputEnded;

    /** @param calls where the CRI calls behind a route run, off the event loop */
    InspectExchange(InspectRoutes routes, Executor calls) {
        this.routes = routes;
        this.calls = calls;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
        if (requested || !(msg instanceof HttpRequest request)) {
            return;
        }
        requested = true;
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            answer(ctx, cause instanceof TooLongFrameException
                    ? error(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request head too large")
                    : error(HttpResponseStatus.BAD_REQUEST, "not an HTTP/1.x request: " + cause.getMessage()));
            return;
        }
        if (request.protocolVersion().majorVersion() != 1) {
            answer(ctx, error(HttpResponseStatus.BAD_REQUEST, "not an HTTP/1.x request"));
            return;
        }
        String uri = request.uri();
        String path = uri.contains("?") ? uri.substring(0, uri.indexOf('?')) : uri;
        Optional<Supplier<JsonNode>> route = routes.route(path);
        if (route.isEmpty()) {
            answer(ctx, error(HttpResponseStatus.NOT_FOUND, "no such path: " + path + " (paths: /info, /pods, "
                    + "/pods/{id}, /containers/{id}, /images)"));
        } else if (!request.method().equals(HttpMethod.GET)) {
            FullHttpResponse refused = error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method " + request.method()
                    + " not allowed: the inspect API is read-only (GET)");
            refused.headers().set("Allow", HttpMethod.GET.name());
            answer(ctx, refused);
        } else {
            calls.execute(() -> {
                FullHttpResponse r = serve(path, route.get());
                ctx.executor().execute(() -> answer(ctx, r));
            });
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputEnded = true;
            if (!requested) {
                requested = true;
                answer(ctx, error(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                        "request head too large or incomplete"));
            } else if (answered) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("inspect API connection: {}", cause.getMessage());
        ctx.close();
    }

    private static FullHttpResponse serve(String path, Supplier<JsonNode> route) {
        try {
            return json(HttpResponseStatus.OK, route.get());
        } catch (RuntimeException e) {
            Status s = StatusMapper.toStatus(e);
            HttpResponseStatus code = switch (s.getCode()) {
                case NOT_FOUND -> HttpResponseStatus.NOT_FOUND;
                case INVALID_ARGUMENT -> HttpResponseStatus.BAD_REQUEST;
                case UNAVAILABLE -> HttpResponseStatus.SERVICE_UNAVAILABLE;
                default -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
            };
            if (code == HttpResponseStatus.INTERNAL_SERVER_ERROR) {
                LOG.error("inspect API {} failed", path, e);
            }
            return error(code, s.getDescription());
        }
    }

    /** Sends {@code r}, ends the output, and closes once the client has ended its side too. */
    private void answer(ChannelHandlerContext ctx, FullHttpResponse r) {
        ctx.writeAndFlush(r).addListener(f -> {
            answered = true;
            if (!f.isSuccess() || inputEnded) {
                ctx.close();
            } else {
                ((DuplexChannel) ctx.channel()).shutdownOutput();
            }
        });
    }

    private static FullHttpResponse json(HttpResponseStatus status, JsonNode body) {
        byte[] bytes;
        try {
            bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        // header names written as before the codec served this API (Netty's constants are lower case)
        r.headers().set("Content-Type", HttpHeaderValues.APPLICATION_JSON)
                .setInt("Content-Length", bytes.length)
                .set("Connection", HttpHeaderValues.CLOSE);
        return r;
    }

    private static FullHttpResponse error(HttpResponseStatus status, String message) {
        return json(status, JSON.createObjectNode().put("error", message == null ? "" : message));
    }
}
