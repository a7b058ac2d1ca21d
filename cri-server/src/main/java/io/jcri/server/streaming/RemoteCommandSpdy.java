package io.jcri.server.streaming;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFuture;
import io.grpc.netty.shaded.io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exec or attach over SPDY: waits for the client to open its streams (error, then stdin/stdout/stderr/resize as
 * the request asked), starts the command, and maps its output and status onto those streams. Protocol versions
 * before v3 have no resize stream; before v4 the error stream carries a bare message instead of a Status.
 */
final class RemoteCommandSpdy implements SpdyConnection.Listener, RemoteCommand.Outbound {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteCommandSpdy.class);

    private final Channel channel;
    private final String id;
    private final StreamProtocol protocol;
    private final RemoteCommand command;
    private final ScheduledFuture<?> creationTimeout;
    private int expected;
    private int received;
    private SpdyStream error;
    private SpdyStream stdout;
    private SpdyStream stderr;

    RemoteCommandSpdy(Channel channel, String id, StreamProtocol protocol, RemoteCommandOptions options,
                      RemoteCommand.Opener opener, Duration streamCreationTimeout) {
        this.channel = channel;
        this.id = id;
        this.protocol = protocol;
        this.command = new RemoteCommand(id, channel, opener, this);
        this.expected = 1 + (options.stdin() ? 1 : 0) + (options.stdout() ? 1 : 0) + (options.stderr() ? 1 : 0)
                + (options.tty() && protocol.supportsResize() ? 1 : 0);
        this.creationTimeout = channel.eventLoop().schedule(() -> {
            LOG.warn("{}: the client opened {} of {} streams in {}; closing", id, received, expected,
                    streamCreationTimeout);
            channel.close();
        }, streamCreationTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void stream(SpdyStream s) {
        String type = s.header(StreamProtocol.STREAM_TYPE_HEADER);
        switch (type) {
            case "error" -> error = s;
            case "stdout" -> stdout = s;
            case "stderr" -> stderr = s;
            case "stdin" -> s.receiver(new SpdyStream.Receiver() {
                @Override
                public void data(ByteBuf data) {
                    command.stdin(data);
                }

                @Override
                public void end() {
                    command.stdinEnd();
                }
            });
            case "resize" -> s.receiver(new SpdyStream.Receiver() {
                @Override
                public void data(ByteBuf data) {
                    command.resize(data);
                }

                @Override
                public void end() {
                }
            });
            default -> {
                LOG.warn("{}: unexpected stream type '{}'", id, type);
                s.reset();
                return;
            }
        }
        if (++received == expected) {
            creationTimeout.cancel(false);
            command.start();
        }
    }

    @Override
    public void closed() {
        creationTimeout.cancel(false);
        command.disconnected();
    }

    @Override
    public ChannelFuture write(int fd, byte[] data) {
        SpdyStream s = fd == RemoteCommand.STDOUT ? stdout : stderr;
        return s == null ? channel.newSucceededFuture() : s.write(data);
    }

    @Override
    public void endOutput(int fd) {
        SpdyStream s = fd == RemoteCommand.STDOUT ? stdout : stderr;
        if (s != null) {
            s.finish();
        }
    }

    @Override
    public void finish(ExitStatus status) {
        if (error != null) {
            byte[] payload = protocol.statusAsJson() ? status.toStatusJson() : status.toText();
            if (payload.length > 0) {
                error.write(payload);
            }
            error.finish();
        }
        SpdyConnection.close(channel);
    }
}
