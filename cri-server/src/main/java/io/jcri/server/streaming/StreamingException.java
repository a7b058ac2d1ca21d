package io.jcri.server.streaming;

import io.jcri.cri.ErrorKind;

/** A streaming request jcri refuses, with the kind the gRPC layer maps to a status code. */
public final class StreamingException extends RuntimeException {
    private final ErrorKind kind;

    public StreamingException(ErrorKind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ErrorKind kind() {
        return kind;
    }
}
