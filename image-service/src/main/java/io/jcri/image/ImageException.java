package io.jcri.image;

import io.jcri.cri.ErrorKind;

/**
 * An image-service failure with the kind the caller sees (INVALID_ARGUMENT for a bad reference, NOT_FOUND for an
 * image that is not there, DEADLINE_EXCEEDED for a stalled pull, ...). The message is meant for a person.
 */
public class ImageException extends RuntimeException {
    private final ErrorKind kind;

    public ImageException(ErrorKind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ImageException(ErrorKind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public ErrorKind kind() {
        return kind;
    }

    public static ImageException invalid(String message) {
        return new ImageException(ErrorKind.INVALID_ARGUMENT, message);
    }

    public static ImageException notFound(String message) {
        return new ImageException(ErrorKind.NOT_FOUND, message);
    }

    public static ImageException internal(String message, Throwable cause) {
        return new ImageException(ErrorKind.INTERNAL, message, cause);
    }
}
