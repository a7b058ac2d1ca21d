package io.jcri.runtime;

import io.jcri.cri.ErrorKind;

/**
 * A runtime-service failure with the kind the caller sees (INVALID_ARGUMENT for a bad config, NOT_FOUND for an
 * unknown sandbox or container, ...). The message is meant for a person: it names the object and what to do.
 */
public class RuntimeServiceException extends RuntimeException {
    private final ErrorKind kind;

    public RuntimeServiceException(ErrorKind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public RuntimeServiceException(ErrorKind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public ErrorKind kind() {
        return kind;
    }

    public static RuntimeServiceException invalid(String message) {
        return new RuntimeServiceException(ErrorKind.INVALID_ARGUMENT, message);
    }

    public static RuntimeServiceException notFound(String message) {
        return new RuntimeServiceException(ErrorKind.NOT_FOUND, message);
    }
}
