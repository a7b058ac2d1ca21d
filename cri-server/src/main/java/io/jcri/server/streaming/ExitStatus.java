package io.jcri.server.streaming;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;

/**
 * How a remote command ended, in the two forms the error stream carries: a Kubernetes {@code metav1.Status} JSON
 * (protocol v4 and later; the exit code travels as a cause of reason {@code ExitCode}) or, before v4, the bare
 * message of a failure and nothing on success.
 */
record ExitStatus(Kind kind, int exitCode, String message) {
    private static final ObjectMapper JSON = new ObjectMapper();

    enum Kind { SUCCESS, EXIT_CODE, ERROR }

    static ExitStatus success() {
        return new ExitStatus(Kind.SUCCESS, 0, "");
    }

    /** The outcome of a process that exited with {@code code}. */
    static ExitStatus exited(int code) {
        return code == 0 ? success() : new ExitStatus(Kind.EXIT_CODE, code,
                "command terminated with non-zero exit code: exit status " + code);
    }

    /** A failure to run the command at all. */
    static ExitStatus error(String message) {
        return new ExitStatus(Kind.ERROR, -1, "error executing command in container: " + message);
    }

    /** The v4+ error stream payload. */
    byte[] toStatusJson() {
        ObjectNode status = JSON.createObjectNode();
        status.putObject("metadata");
        switch (kind) {
            case SUCCESS -> status.put("status", "Success");
            case EXIT_CODE -> {
                status.put("status", "Failure").put("message", message).put("reason", "NonZeroExitCode");
                status.putObject("details").putArray("causes").addObject()
                        .put("reason", "ExitCode").put("message", Integer.toString(exitCode));
            }
            case ERROR -> {
                status.put("status", "Failure").put("message", "Internal error occurred: " + message)
                        .put("reason", "InternalError").put("code", 500);
                status.putObject("details").putArray("causes").addObject().put("message", message);
            }
        }
        return status.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The pre-v4 error stream payload: empty on success. */
    byte[] toText() {
        return kind == Kind.SUCCESS ? new byte[0] : message.getBytes(StandardCharsets.UTF_8);
    }
}
