package io.jcri.server.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResizeDecoderTest {
    private final ResizeDecoder decoder = new ResizeDecoder();

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void sizesCutAtAnyByteAreReassembled() throws IOException {
        assertThat(decoder.feed(b("{\"Width\":12"))).isEmpty();
        assertThat(decoder.feed(b("0,\"Height\":40}\n{\"Width\":80,"))).containsExactly(new ResizeDecoder.Size(120, 40));
        assertThat(decoder.feed(b("\"Height\":24}"))).containsExactly(new ResizeDecoder.Size(80, 24));
    }

    @Test
    void anEndlessMessageIsRefused() {
        assertThatThrownBy(() -> decoder.feed(b("{\"Width\":" + "1".repeat(5000))))
                .isInstanceOf(IOException.class);
    }
}
