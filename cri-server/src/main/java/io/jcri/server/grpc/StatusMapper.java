package io.jcri.server.grpc;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.oci.OciException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;

/**
 * The one place that turns the modules' exceptions into gRPC statuses. Modules throw a {@link CriException}, which
 * carries an {@link ErrorKind}, or an OCI runtime failure; anything else is a bug and
 * answers INTERNAL without leaking a stack trace to the client. That includes an IllegalArgumentException: bad
 * input is refused by the module that reads it, with INVALID_ARGUMENT, so one that gets here is jcri's own.
 */
public final class StatusMapper {
    private StatusMapper() {
    }

    /**
     * Longest description sent to a client. Descriptions travel in an HTTP/2 header, and kubelet's and grpc-java's
     * clients reject headers over 8 to 10 KiB with a connection error, so an error that quotes a huge input must
     * be cut.
     */
    static final int MAX_DESCRIPTION = 1024;

    /** The status a client sees for {@code t}, its description cut to {@link #MAX_DESCRIPTION} characters. */
    public static Status toStatus(Throwable t) {
        Status s = map(t);
        String d = s.getDescription();
        return d != null && d.length() > MAX_DESCRIPTION
                ? s.withDescription(d.substring(0, MAX_DESCRIPTION) + "... (" + d.length() + " characters)") : s;
    }

    private static Status map(Throwable t) {
        if (t instanceof StatusRuntimeException sre) {
            return sre.getStatus();
        }
        if (t instanceof StatusException se) {
            return se.getStatus();
        }
        if (t instanceof CriException ce) {
            return code(ce.kind()).withDescription(ce.getMessage());
        }
        if (t instanceof OciException oe) {
            return (oe.timedOut() ? Status.DEADLINE_EXCEEDED : Status.INTERNAL).withDescription(oe.getMessage());
        }
        if (t instanceof TimeoutException) {
            return Status.DEADLINE_EXCEEDED.withDescription(t.getMessage());
        }
        if (t instanceof CancellationException || t instanceof InterruptedException) {
            return Status.CANCELLED.withDescription("the call was cancelled");
        }
        return Status.INTERNAL.withDescription("internal error: " + t.getClass().getSimpleName()
                + (t.getMessage() == null ? "" : ": " + t.getMessage()));
    }

    /** Whether {@code status} reports a fault of jcri's (logged with its stack) rather than of the caller. */
    public static boolean isServerFault(Status status) {
        return switch (status.getCode()) {
            case INTERNAL, UNKNOWN, DATA_LOSS -> true;
            default -> false;
        };
    }

    static Status code(ErrorKind kind) {
        return switch (kind) {
            case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.NOT_FOUND;
            case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
            case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
            case DEADLINE_EXCEEDED -> Status.DEADLINE_EXCEEDED;
            case RESOURCE_EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
            case UNAVAILABLE -> Status.UNAVAILABLE;
            case UNIMPLEMENTED -> Status.UNIMPLEMENTED;
            case CANCELLED -> Status.CANCELLED;
            case INTERNAL -> Status.INTERNAL;
        };
    }
}
