package io.jcri.runtime.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class NetDevTest {
    @Test
    void parsesInterfacesWithoutLoopback() throws IOException {
        String text = """
                Inter-|   Receive                                                |  Transmit
                 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                    lo:     280       4    0    0    0     0          0         0      280       4    0    0    0     0       0          0
                  eth0:    1962      21    3    2    0     0          0         0     1090      13    1    4    0     0       0          0
                """;

        assertThat(NetDev.parse(text)).containsExactly(new NetDev.Interface("eth0", 1962, 21, 3, 2, 1090, 13, 1, 4));
    }

    @Test
    void refusesTruncatedLines() {
        assertThatThrownBy(() -> NetDev.parse("eth0: 1 2 3\n")).isInstanceOf(IOException.class);
    }
}
