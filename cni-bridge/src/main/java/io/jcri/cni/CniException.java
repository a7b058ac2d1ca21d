package io.jcri.cni;

/** A CNI failure: no usable network configuration, or a plugin that failed or timed out. */
public class CniException extends RuntimeException {
    private final boolean timedOut;

    public CniException(String message) {
        this(message, false, null);
    }

    public CniException(String message, Throwable cause) {
        this(message, false, cause);
    }

    public CniException(String message, boolean timedOut, Throwable cause) {
        super(message, cause);
        this.timedOut = timedOut;
    }

    public boolean timedOut() {
        return timedOut;
    }
}
