package io.jcri.server.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.embedded.EmbeddedChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpRequest;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpObjectAggregator;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpServerCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RequestDeadlineTest {
    private static EmbeddedChannel connection() {
        return new EmbeddedChannel(new HttpServerCodec(), new HttpObjectAggregator(4096),
                new RequestDeadline(Duration.ofSeconds(30)));
    }

    private static void send(EmbeddedChannel ch, String text) {
        ch.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII));
    }

    private static void after(EmbeddedChannel ch, int seconds) {
        ch.advanceTimeBy(seconds, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAtTheDeadline() {
        EmbeddedChannel ch = connection();
        after(ch, 29);
        assertThat(ch.isOpen()).isTrue();
        after(ch, 2);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aRequestWhoseHeaderNeverEndsIsClosedAtTheDeadline() {
        EmbeddedChannel ch = connection();
        send(ch, "GET /exec/token HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 29; i++) {
            after(ch, 1);
            send(ch, "X-Slow: " + i + "\r\n");
        }
        assertThat(ch.isOpen()).isTrue();
        after(ch, 2);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aCompleteRequestInTimeEndsTheDeadline() {
        EmbeddedChannel ch = connection();
        after(ch, 10);
        send(ch, "GET /exec/token HTTP/1.1\r\nHost: x\r\n\r\n");
        FullHttpRequest req = ch.readInbound();
        assertThat(req.uri()).isEqualTo("/exec/token");
        req.release();
        assertThat(ch.pipeline().get(RequestDeadline.class)).isNull();
        after(ch, 3600);
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }
}
