package io.jcri.image.registry;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import java.io.IOException;
import java.net.http.HttpConnectTimeoutException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * An HTTPS connection to {@code host} that failed in TLS itself: the peer answered plain HTTP, presented a
 * certificate this host does not trust, or (on a loopback host) never completed the handshake. Such a failure does
 * not go away on a retry; {@link #explain} says what to change.
 */
final class TlsFailure extends IOException {
    private final String host;

    TlsFailure(String host, IOException cause) {
        super(cause.getMessage(), cause);
        this.host = host;
    }

    String host() {
        return host;
    }

    /** Whether the handshake only timed out (a stalled peer), as opposed to a definite TLS error. */
    boolean stalled() {
        return getCause() instanceof HttpConnectTimeoutException;
    }

    /** Whether the peer answered something that is not TLS, most likely plain HTTP. */
    boolean plainAnswer() {
        // "Unrecognized SSL message, plaintext connection?" (JDK 25), "Unsupported or unrecognized ..." (older)
        return getCause() instanceof SSLException && String.valueOf(getCause().getMessage())
                .toLowerCase(Locale.ROOT).contains("unrecognized ssl message");
    }

    /** The failure as a person should read it, FAILED_PRECONDITION: a configuration must change. */
    CriException explain() {
        String why;
        if (plainAnswer()) {
            why = "registry " + host + " answered plain HTTP to an HTTPS request; if it serves plain HTTP, mark it "
                    + "insecure in registries.conf ([[registry]] location = \"" + host + "\", insecure = true)";
        } else if (has(CertPathBuilderException.class) || has(CertPathValidatorException.class)) {
            why = "registry " + host + " presented a certificate that this host's CA bundle does not trust; add its "
                    + "CA to the system trust store (update-ca-certificates) or mark it insecure in registries.conf";
        } else if (has(CertificateException.class)) {
            why = "registry " + host + " presented a certificate that does not fit its name: "
                    + rootMessage();
        } else {
            why = "TLS with registry " + host + " failed: " + rootMessage();
        }
        return new CriException(ErrorKind.FAILED_PRECONDITION, why, this);
    }

    private boolean has(Class<? extends Throwable> type) {
        for (Throwable t = getCause(); t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private String rootMessage() {
        Throwable t = getCause();
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }
}
