package io.jcri.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SocketGuardTest {
    @TempDir
    Path dir;

    @Test
    void theSocketAppearsAtItsPathWithMode0660AndItsGroupAlreadySet() throws Exception {
        Path socket = dir.resolve("run/jcri.sock");
        String group = Files.readAttributes(dir, PosixFileAttributes.class).group().getName();
        List<ServerSocketChannel> servers = new ArrayList<>();
        try (SocketGuard guard = SocketGuard.acquire(dir.resolve("lib"), socket)) {
            guard.bind(group, at -> {
                // While the socket has the mode the umask gave it, nobody but root can reach it.
                assertThat(at).isNotEqualTo(socket);
                assertThat(socket).doesNotExist();
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(at.getParent())))
                        .isEqualTo("rwx------");
                servers.add(ServerSocketChannel.open(StandardProtocolFamily.UNIX)
                        .bind(UnixDomainSocketAddress.of(at)));
            });
            PosixFileAttributes attrs = Files.readAttributes(socket, PosixFileAttributes.class);
            assertThat(attrs.isOther()).as("a socket").isTrue();
            assertThat(PosixFilePermissions.toString(attrs.permissions())).isEqualTo("rw-rw----");
            assertThat(attrs.group().getName()).isEqualTo(group);
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                assertThat(client.isConnected()).isTrue();
            }
            try (var left = Files.list(socket.getParent())) {
                assertThat(left).containsExactly(socket);
            }
        } finally {
            for (ServerSocketChannel s : servers) {
                s.close();
            }
        }
        assertThat(socket).doesNotExist();
    }

    @Test
    void anUnknownGroupIsRefusedBeforeAnythingIsBound() throws IOException {
        Path socket = dir.resolve("jcri.sock");
        try (SocketGuard guard = SocketGuard.acquire(dir.resolve("lib"), socket)) {
            assertThatThrownBy(() -> guard.bind("no-such-group-jcri", at -> {
                throw new AssertionError("bound despite the unknown group");
            })).isInstanceOf(DaemonStartException.class).hasMessageContaining("no-such-group-jcri");
            assertThat(socket).doesNotExist();
        }
    }

    @Test
    void aStagingDirectoryLeftByAKilledDaemonIsReplaced() throws Exception {
        Path socket = dir.resolve("jcri.sock");
        Path stale = Files.createDirectories(dir.resolve(".jcri.sock.b"));
        Files.writeString(stale.resolve("s"), "");
        String group = Files.readAttributes(dir, PosixFileAttributes.class).group().getName();
        try (SocketGuard guard = SocketGuard.acquire(dir.resolve("lib"), socket);
             ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            guard.bind(group, at -> server.bind(UnixDomainSocketAddress.of(at)));
            assertThat(socket).exists();
            assertThat(stale).doesNotExist();
        }
    }
}
