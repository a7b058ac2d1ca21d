package io.jcri.oci.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import io.jcri.oci.OciException;

/** A libc call failed: names the call, its argument of interest and the errno with its text. */
public final class ErrnoException extends OciException {
    private final int errno;

    public ErrnoException(String call, String what, int errno) {
        super(call + "(" + what + "): " + describe(errno) + " (errno " + errno + ")");
        this.errno = errno;
    }

    /** Builds the exception from the calling thread's last errno. */
    public static ErrnoException last(String call, String what) {
        return new ErrnoException(call, what, Native.getLastError());
    }

    public int errno() {
        return errno;
    }

    private static String describe(int errno) {
        try {
            return new LastErrorException(errno).getMessage().replaceFirst("^\\[\\d+\\]\\s*", "");
        } catch (RuntimeException e) {
            return "error";
        }
    }
}
