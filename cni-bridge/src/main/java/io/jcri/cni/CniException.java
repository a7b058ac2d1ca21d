package io.jcri.cni;

import io.jcri.cri.ErrorKind;

/**
 * A CNI failure with the kind the caller sees: no usable network configuration or a plugin that failed
 * (INTERNAL), a plugin that timed out (DEADLINE_EXCEEDED), or a request that cannot be passed to plugins as it is
 * (INVALID_ARGUMENT).
 */
public class CniException extends RuntimeException {
    private final ErrorKind kind;

    public CniException(String message) {
        this(message, false, null);
    }

    public CniException(String message, Throwable cause) {
        this(message, false, cause);
    }

    public CniException(String message, boolean timedOut, Throwable cause) {
        super(message, cause);
        this.kind = timedOut ? ErrorKind.DEADLINE_EXCEEDED : ErrorKind.INTERNAL;
    }

    public CniException(ErrorKind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ErrorKind kind() {
        return kind;
    }

    public boolean timedOut() {
        return kind == ErrorKind.DEADLINE_EXCEEDED;
    }
}
