package io.jcri.cri;

/**
 * A failure with the kind the caller sees (INVALID_ARGUMENT for a bad config or reference, NOT_FOUND for an unknown
 * sandbox, container or image, DEADLINE_EXCEEDED for a stalled pull, ...), thrown by every module below the
 * transport. The message is meant for a person: it names the object and what to do.
 */
public class CriException extends RuntimeException {
    private final ErrorKind kind;

    public CriException(ErrorKind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public CriException(ErrorKind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public ErrorKind kind() {
        return kind;
    }

    public static CriException invalid(String message) {
        return new CriException(ErrorKind.INVALID_ARGUMENT, message);
    }

    public static CriException notFound(String message) {
        return new CriException(ErrorKind.NOT_FOUND, message);
    }

    public static CriException internal(String message) {
        return new CriException(ErrorKind.INTERNAL, message);
    }

    public static CriException internal(String message, Throwable cause) {
        return new CriException(ErrorKind.INTERNAL, message, cause);
    }
}
