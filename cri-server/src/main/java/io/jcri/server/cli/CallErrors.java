package io.jcri.server.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;

/** Turns a failed call into a message that names what failed and what to do about it. */
final class CallErrors {
    private CallErrors() {
    }

    static String explain(StatusRuntimeException e, String endpoint) {
        Status s = e.getStatus();
        String detail = s.getDescription() == null ? "" : s.getDescription();
        Throwable root = s.getCause() == null ? null : rootCause(s.getCause());
        if (root != null) {
            String why = root instanceof java.io.FileNotFoundException ? "no such socket"
                    : root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
            detail = detail.isEmpty() ? why : detail + ": " + why;
        }
        return switch (s.getCode()) {
            case UNAVAILABLE -> unavailable(e, endpoint, detail);
            case NOT_FOUND -> detail;
            case DEADLINE_EXCEEDED -> endpoint + " did not answer in time (" + detail + "); is the host reachable "
                    + "and jcri running there?";
            case UNIMPLEMENTED -> endpoint + " does not offer this call (" + detail + "); is it a jcri daemon?";
            case PERMISSION_DENIED, UNAUTHENTICATED -> endpoint + " refused the call: " + detail;
            default -> s.getCode() + ": " + detail;
        };
    }

    private static String unavailable(StatusRuntimeException e, String endpoint, String detail) {
        Throwable tls = cause(e.getStatus().getCause(), SSLException.class, CertificateException.class);
        if (tls != null || detail.contains("ssl") || detail.contains("SSL") || detail.contains("handshake")) {
            String why = tls != null && tls.getMessage() != null ? tls.getMessage() : detail;
            return "the TLS handshake with " + endpoint + " failed (" + why + "): the server must present a "
                    + "certificate signed by --tlscacert and valid for the host name, and your certificate must be "
                    + "signed by the server's remote.client_ca_file, not expired, and (if remote.allowed_subjects "
                    + "is set) carry an allowed CN";
        }
        if (detail.contains("Permission denied") || detail.contains("EACCES")) {
            return "permission denied on " + endpoint + ": run as root or as a member of the socket's group "
                    + "(server.socket_group)";
        }
        if (detail.contains("recovering")) {
            return endpoint + " is starting (" + detail + ")";
        }
        return "cannot reach " + endpoint + (detail.isEmpty() ? "" : " (" + detail + ")") + ": is jcri running "
                + "(jcri serve) and is -H/JCRI_HOST right?";
    }

    private static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c;
    }

    @SafeVarargs
    private static Throwable cause(Throwable t, Class<? extends Throwable>... types) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            for (Class<? extends Throwable> type : types) {
                if (type.isInstance(c)) {
                    return c;
                }
            }
        }
        return null;
    }
}
