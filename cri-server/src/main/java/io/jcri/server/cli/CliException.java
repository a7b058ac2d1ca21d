package io.jcri.server.cli;

/** A client verb failed; the message says what failed and how to fix it, and is all the user sees. */
final class CliException extends RuntimeException {
    CliException(String message) {
        super(message);
    }
}
