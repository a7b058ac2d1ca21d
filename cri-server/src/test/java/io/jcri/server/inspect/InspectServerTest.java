package io.jcri.server.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectServerTest {
    @TempDir
    Path dir;

    @Test
    void aConnectionOverTheCapIsClosedAtOnceAndCounted() throws Exception {
        Path socket = dir.resolve("inspect.sock");
        String group = Files.readAttributes(dir, PosixFileAttributes.class).group().getName();
        try (InspectServer server = InspectServer.start(socket, group, null, null, () -> "{}", dir, 2);
             SocketChannel one = connect(socket);
             SocketChannel two = connect(socket);
             SocketChannel three = connect(socket)) {
            assertThat(three.read(ByteBuffer.allocate(16))).as("the third connection is closed").isEqualTo(-1);
            assertThat(server.refusedConnections()).isEqualTo(1);
            assertThat(server.openConnections()).isEqualTo(2);
        }
    }

    private static SocketChannel connect(Path socket) throws Exception {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        return ch;
    }
}
