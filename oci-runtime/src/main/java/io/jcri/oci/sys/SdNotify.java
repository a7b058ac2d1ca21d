package io.jcri.oci.sys;

import java.nio.charset.StandardCharsets;

/**
 * systemd's readiness protocol: when started by a {@code Type=notify} unit, the service sends datagrams such as
 * {@code READY=1} to the socket named by {@code NOTIFY_SOCKET} (a path, or an abstract name after {@code @}).
 * Java's channels cannot send UNIX datagrams, hence libc. Without the variable it does nothing.
 */
public final class SdNotify {
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final LibC C = LibC.INSTANCE;

    private SdNotify() {
    }

    /** Sends {@code state} (e.g. {@code READY=1}) to systemd; false when not started under a notify unit. */
    public static boolean send(String state) {
        return send(System.getenv("NOTIFY_SOCKET"), state);
    }

    static boolean send(String socket, String state) {
        if (socket == null || socket.isEmpty()) {
            return false;
        }
        byte[] path = socket.getBytes(StandardCharsets.UTF_8);
        if (path[0] == '@') {
            path[0] = 0;
        }
        int fd = C.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw ErrnoException.last("socket", "NOTIFY_SOCKET");
        }
        try {
            if (C.connect(fd, Syscalls.sockaddrUn(path), 2 + path.length + (path[0] == 0 ? 0 : 1)) != 0) {
                throw ErrnoException.last("connect", socket);
            }
            byte[] msg = state.getBytes(StandardCharsets.UTF_8);
            if (C.write(fd, msg, msg.length) != msg.length) {
                throw ErrnoException.last("write", socket);
            }
            return true;
        } finally {
            C.close(fd);
        }
    }
}
