package io.jcri.image.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS that trusts what the host trusts: the operating system's CA bundle (Debian's
 * {@code /etc/ssl/certs/ca-certificates.crt}, where an administrator's private CAs land after
 * {@code update-ca-certificates}) rather than the JDK's own list. Falls back to the JDK's defaults when the bundle
 * is missing.
 */
final class SystemTrust {
    private static final Logger LOG = LoggerFactory.getLogger(SystemTrust.class);
    static final Path DEBIAN_BUNDLE = Path.of("/etc/ssl/certs/ca-certificates.crt");

    private SystemTrust() {
    }

    static SSLContext context(Path bundle) {
        try {
            if (!Files.isReadable(bundle)) {
                LOG.info("no CA bundle at {}: registries are verified against the JDK's CAs", bundle);
                return SSLContext.getDefault();
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            try (InputStream in = Files.newInputStream(bundle)) {
                for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    store.setCertificateEntry("ca-" + n++, (X509Certificate) c);
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            LOG.debug("registries are verified against {} CAs from {}", n, bundle);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot load the CA bundle " + bundle + ": " + e.getMessage(), e);
        }
    }
}
