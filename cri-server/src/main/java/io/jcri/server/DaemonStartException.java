package io.jcri.server;

/** The daemon cannot start; the message says what to do about it. */
public final class DaemonStartException extends RuntimeException {
    public DaemonStartException(String message) {
        super(message);
    }
}
