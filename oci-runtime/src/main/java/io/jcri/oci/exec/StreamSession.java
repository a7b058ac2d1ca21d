package io.jcri.oci.exec;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * The stdio of one process a client streams with: an exec'd process or a container it attached to. Streams the
 * session was not asked for are {@code null}; with a TTY, {@link #stdout()} carries the terminal and
 * {@link #stderr()} is {@code null}.
 */
public interface StreamSession extends AutoCloseable {

    /** Where the client's stdin goes; closing it signals end of input. */
    OutputStream stdin();

    InputStream stdout();

    InputStream stderr();

    /** Resizes the terminal; ignored without a TTY. */
    void resize(int width, int height);

    /**
     * Waits for the process to end and returns its exit code; for an attach session, waits for the container's
     * output to end and returns 0.
     */
    int awaitExit() throws InterruptedException;

    /** Ends the session: kills an exec'd process that is still running, detaches from a container. Idempotent. */
    @Override
    void close();
}
