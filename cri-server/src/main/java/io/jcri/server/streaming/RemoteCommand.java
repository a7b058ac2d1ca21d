package io.jcri.server.streaming;

import io.jcri.oci.exec.StreamSession;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.ByteBufUtil;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFuture;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One exec or attach bridged to a client, whatever the framing (SPDY streams or WebSocket channels): opens the
 * session, copies its output to the client and the client's input to it, applies resizes, and reports how it
 * ended. A client that goes away ends the session.
 */
final class RemoteCommand {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteCommand.class);
    static final int STDOUT = 1;
    static final int STDERR = 2;
    private static final int CHUNK = 32 * 1024;
    /** After the command exited, how long its output may still be relayed before the session ends. */
    private static final java.time.Duration OUTPUT_DRAIN = java.time.Duration.ofSeconds(2);

    /** Opens the runtime session once the client's streams are in place. */
    interface Opener {
        StreamSession open() throws IOException;
    }

    /** The client side, as the framing protocol writes to it. */
    interface Outbound {
        /** Writes output of {@code fd} ({@link #STDOUT} or {@link #STDERR}). */
        ChannelFuture write(int fd, byte[] data);

        /** No more output on {@code fd}. */
        void endOutput(int fd);

        /** Reports the outcome and closes the connection. */
        void finish(ExitStatus status);
    }

    private final String id;
    private final Channel channel;
    private final Opener opener;
    private final Outbound out;
    private final InboundPump stdin;
    private final ResizeDecoder resizes = new ResizeDecoder();
    private final ExecutorService resizer = Executors.newSingleThreadExecutor(Thread.ofVirtual().factory());
    private StreamSession session;
    private ResizeDecoder.Size pendingSize;
    private boolean closed;

    RemoteCommand(String id, Channel channel, Opener opener, Outbound out) {
        this.id = id;
        this.channel = channel;
        this.opener = opener;
        this.out = out;
        this.stdin = new InboundPump(channel, "stdin-" + id);
    }

    /** Opens the session and runs it to its end on a virtual thread. */
    void start() {
        Thread.ofVirtual().name("remote-command-" + id).start(this::run);
    }

    void stdin(ByteBuf data) {
        stdin.offer(data);
    }

    void stdinEnd() {
        stdin.end();
    }

    /** Feeds bytes of the resize stream (JSON terminal sizes). */
    void resize(ByteBuf data) {
        try {
            // Under the lock so that sizes reach the session in the order the client sent them, even when the
            // session opens halfway through a message that carries several.
            synchronized (this) {
                for (ResizeDecoder.Size size : resizes.feed(ByteBufUtil.getBytes(data))) {
                    if (session == null) {
                        pendingSize = size;
                    } else {
                        applyResize(size);
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("{}: ignoring a malformed resize message: {}", id, e.getMessage());
        }
    }

    /** The client went away: end the session and the process with it. */
    void disconnected() {
        StreamSession s;
        synchronized (this) {
            closed = true;
            s = session;
        }
        stdin.stop();
        resizer.shutdownNow();
        if (s != null) {
            LOG.debug("{}: client disconnected; ending the session", id);
            s.close();
        }
    }

    private void run() {
        StreamSession s;
        try {
            s = opener.open();
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: cannot start: {}", id, e.getMessage());
            out.finish(ExitStatus.error(e.getMessage()));
            return;
        }
        synchronized (this) {
            if (closed) {
                s.close();
                return;
            }
            session = s;
            if (pendingSize != null) {
                applyResize(pendingSize);
            }
        }
        try (s) {
            OutputStream in = s.stdin();
            if (in == null) {
                stdin.stop();
            } else {
                stdin.start(new InboundPump.Target() {
                    @Override
                    public void write(byte[] data) throws IOException {
                        in.write(data);
                        in.flush();
                    }

                    @Override
                    public void end() throws IOException {
                        in.close();
                    }
                });
            }
            Thread o = pump(s.stdout(), STDOUT);
            Thread e = pump(s.stderr(), STDERR);
            int code = s.awaitExit();
            // A child the command left in the background may hold its output open for ever: the session ends
            // with the command, after what was written before its exit had a bounded time to arrive.
            long drainUntil = System.nanoTime() + OUTPUT_DRAIN.toNanos();
            for (Thread t : new Thread[] {o, e}) {
                if (t != null) {
                    t.join(java.time.Duration.ofNanos(Math.max(1, drainUntil - System.nanoTime())));
                }
            }
            out.finish(ExitStatus.exited(code));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            resizer.shutdown();
        }
    }

    /** Called with this object's lock held and the session open. */
    private void applyResize(ResizeDecoder.Size size) {
        StreamSession s = session;
        try {
            resizer.execute(() -> {
                try {
                    s.resize(size.width(), size.height());
                } catch (RuntimeException e) {
                    LOG.warn("{}: resize to {}x{} failed: {}", id, size.width(), size.height(), e.getMessage());
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.debug("{}: resize after the session ended", id);
        }
    }

    private Thread pump(InputStream in, int fd) {
        if (in == null) {
            return null;
        }
        return Thread.ofVirtual().name("output-" + fd + "-" + id).start(() -> {
            byte[] buf = new byte[CHUNK];
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (n == 0) {
                        continue;
                    }
                    ChannelFuture f = out.write(fd, Arrays.copyOf(buf, n));
                    if (!channel.isWritable()) {
                        f.awaitUninterruptibly();
                    }
                }
            } catch (IOException e) {
                LOG.debug("{}: output {} ended: {}", id, fd, e.getMessage());
            }
            out.endOutput(fd);
        });
    }
}
