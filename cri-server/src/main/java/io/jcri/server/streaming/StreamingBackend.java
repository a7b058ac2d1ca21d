package io.jcri.server.streaming;

import io.jcri.cri.v1.AttachRequest;
import io.jcri.cri.v1.ExecRequest;
import io.jcri.cri.v1.PortForwardRequest;
import io.jcri.oci.exec.StreamSession;
import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * What the streaming server needs from the runtime: checks when a URL is handed out, and the sessions and
 * connections once a client comes back with it. Implemented by the runtime service and by test fakes.
 */
public interface StreamingBackend {

    /** Throws (NOT_FOUND, FAILED_PRECONDITION) unless the container exists and runs. */
    void checkExec(ExecRequest request);

    /** Throws (NOT_FOUND, FAILED_PRECONDITION) unless the container exists and runs. */
    void checkAttach(AttachRequest request);

    /** Throws (NOT_FOUND, FAILED_PRECONDITION) unless the sandbox exists and is ready. */
    void checkPortForward(PortForwardRequest request);

    /** Starts the command in the container; the session owns the process from then on. */
    StreamSession exec(ExecRequest request) throws IOException;

    /** Joins the running container's stdio. */
    StreamSession attach(AttachRequest request) throws IOException;

    /** A connection to 127.0.0.1:{@code port} inside the sandbox's network namespace. */
    SocketChannel portForward(String sandboxId, int port) throws IOException;
}
