package io.jcri.oci;

/**
 * A failure in the layer to the kernel or to an OCI runtime: a syscall, a runtime or monitor command, a mount.
 * {@link #timedOut()} tells a command that ran past its deadline from one that failed.
 */
public class OciException extends RuntimeException {
    private final boolean timedOut;

    public OciException(String message) {
        this(message, false, null);
    }

    public OciException(String message, Throwable cause) {
        this(message, false, cause);
    }

    public OciException(String message, boolean timedOut, Throwable cause) {
        super(message, cause);
        this.timedOut = timedOut;
    }

    public boolean timedOut() {
        return timedOut;
    }
}
