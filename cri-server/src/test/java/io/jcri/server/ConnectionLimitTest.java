package io.jcri.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.shaded.io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

class ConnectionLimitTest {
    @Test
    void connectionsBeyondTheBoundAreClosedAtOnceAndClosedOnesFreeTheirPlace() {
        ConnectionLimit limit = new ConnectionLimit("test", 2);
        EmbeddedChannel first = new EmbeddedChannel(limit);
        EmbeddedChannel second = new EmbeddedChannel(limit);
        EmbeddedChannel third = new EmbeddedChannel(limit);
        assertThat(first.isOpen()).isTrue();
        assertThat(second.isOpen()).isTrue();
        assertThat(third.isOpen()).isFalse();
        assertThat(limit.open()).as("the refused one is not counted").isEqualTo(2);
        assertThat(limit.refused()).isEqualTo(1);
        first.close();
        EmbeddedChannel fourth = new EmbeddedChannel(limit);
        assertThat(fourth.isOpen()).isTrue();
        assertThat(limit.open()).isEqualTo(2);
    }
}
