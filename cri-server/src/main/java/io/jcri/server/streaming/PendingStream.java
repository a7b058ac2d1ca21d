package io.jcri.server.streaming;

import io.jcri.cri.v1.AttachRequest;
import io.jcri.cri.v1.ExecRequest;
import io.jcri.cri.v1.PortForwardRequest;

/** A validated streaming request waiting, behind its token, for the client to connect. */
sealed interface PendingStream {

    /** The first path segment of the URL the client is given. */
    String path();

    record Exec(ExecRequest request) implements PendingStream {
        @Override
        public String path() {
            return "exec";
        }
    }

    record Attach(AttachRequest request) implements PendingStream {
        @Override
        public String path() {
            return "attach";
        }
    }

    record PortForward(PortForwardRequest request) implements PendingStream {
        @Override
        public String path() {
            return "portforward";
        }
    }
}
