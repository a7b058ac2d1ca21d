package io.jcri.image;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a step that may fail transiently (an I/O error, a registry answering 429 or 5xx) up to four times with
 * exponential backoff. An interrupt ends it at once as CANCELLED.
 */
public final class Retries {
    private static final Logger LOG = LoggerFactory.getLogger(Retries.class);
    private static final int ATTEMPTS = 4;

    private Retries() {
    }

    /** A step that may fail transiently. */
    public interface Step<T> {
        T run() throws IOException, InterruptedException;
    }

    /** A failure worth retrying that is not an I/O error (a 429 or 5xx status). */
    public static final class Transient extends RuntimeException {
        public Transient(String message) {
            super(message);
        }
    }

    public static <T> T run(String what, Step<T> step) {
        long backoffMillis = 500;
        for (int attempt = 1; ; attempt++) {
            try {
                return step.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw cancelled(what, e);
            } catch (IOException | Transient e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw cancelled(what, e);
                }
                if (noSpace(e)) {
                    // A full disk is still full a second later: say so at once instead of retrying.
                    throw new CriException(ErrorKind.RESOURCE_EXHAUSTED, what + ": no space left on device",
                            e);
                }
                if (attempt >= ATTEMPTS) {
                    throw new CriException(ErrorKind.UNAVAILABLE, what + ": " + describe(e) + " (after "
                            + attempt + " attempts)", e);
                }
                LOG.warn("{}: {} (attempt {} of {}, retrying in {} ms)", what, describe(e), attempt, ATTEMPTS,
                        backoffMillis);
                try {
                    Thread.sleep(backoffMillis);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw cancelled(what, ie);
                }
                backoffMillis *= 2;
            }
        }
    }

    private static boolean noSpace(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("No space left on device")) {
                return true;
            }
        }
        return false;
    }

    /** The message, or the exception's type when it has none (a refused connection has none). */
    private static String describe(Exception e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static CriException cancelled(String what, Exception cause) {
        return new CriException(ErrorKind.CANCELLED, what + ": cancelled", cause);
    }
}
