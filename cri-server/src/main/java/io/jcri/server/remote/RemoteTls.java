package io.jcri.server.remote;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.CertificateUtils;
import io.jcri.server.config.JcriConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;

/**
 * The remote listener's TLS: its certificate and key, the CA client certificates must chain to, and the optional
 * list of subject CNs allowed in. Key and trust material sit behind managers that are consulted at every
 * handshake, so {@link #reload} swaps them for new connections while the listener keeps running.
 */
final class RemoteTls {
    private static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private final AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
    private final AdvancedTlsX509TrustManager trust;
    private volatile Set<String> allowedSubjects = Set.of();

    private RemoteTls() throws CertificateException {
        trust = AdvancedTlsX509TrustManager.newBuilder()
                .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION)
                .setSslSocketAndEnginePeerVerifier(new SubjectCheck())
                .build();
    }

    /** Reads the files {@code remote} names; a file that cannot be used fails with its key and path. */
    static RemoteTls load(JcriConfig.Remote remote) throws IOException {
        RemoteTls tls;
        try {
            tls = new RemoteTls();
        } catch (CertificateException e) {
            throw new IOException("remote TLS: " + e.getMessage(), e);
        }
        tls.reload(remote);
        return tls;
    }

    /**
     * Reads the certificate, key, client CA and allowed subjects again; new handshakes use them. When a file is
     * unusable nothing changes and the exception names it.
     */
    void reload(JcriConfig.Remote remote) throws IOException {
        try {
            // everything is parsed and checked before anything is swapped in: a bad file leaves the old material
            X509Certificate[] chain = certificates("remote.tls_cert_file", remote.tlsCertFile());
            PrivateKey key;
            try (InputStream in = Files.newInputStream(Path.of(remote.tlsKeyFile()))) {
                key = CertificateUtils.getPrivateKey(in);
            }
            requireMatch(chain[0], key);
            X509Certificate[] ca = certificates("remote.client_ca_file", remote.clientCaFile());
            keys.updateIdentityCredentials(chain, key);
            trust.updateTrustCredentials(ca);
        } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
            throw new IOException("remote TLS from remote.tls_cert_file " + remote.tlsCertFile()
                    + ", remote.tls_key_file " + remote.tlsKeyFile() + " and remote.client_ca_file "
                    + remote.clientCaFile() + ": " + e.getMessage(), e);
        }
        allowedSubjects = Set.copyOf(remote.allowedSubjects());
    }

    private static X509Certificate[] certificates(String key, String file) throws IOException,
            GeneralSecurityException {
        X509Certificate[] certs;
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            certs = CertificateUtils.getX509Certificates(in);
        }
        if (certs.length == 0) {
            throw new CertificateException(key + " " + file + " holds no PEM certificate");
        }
        return certs;
    }

    /** A key that does not belong to the certificate would fail every handshake; it is refused up front. */
    private static void requireMatch(X509Certificate cert, PrivateKey key) throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm();
        };
        byte[] probe = "jcri key check".getBytes(StandardCharsets.US_ASCII);
        Signature sign = Signature.getInstance(algorithm);
        sign.initSign(key);
        sign.update(probe);
        byte[] signature = sign.sign();
        Signature verify = Signature.getInstance(algorithm);
        verify.initVerify(cert.getPublicKey());
        verify.update(probe);
        if (!verify.verify(signature)) {
            throw new GeneralSecurityException("the key does not belong to the certificate");
        }
    }

    /** A server context that requires a client certificate and speaks TLS 1.3 or 1.2. */
    SslContext serverContext() throws SSLException {
        return GrpcSslContexts.configure(SslContextBuilder.forServer(keys), SslProvider.JDK)
                .trustManager(new RefusalLog(trust))
                .clientAuth(ClientAuth.REQUIRE)
                .protocols(PROTOCOLS)
                .build();
    }

    /** The CN of a certificate's subject, if it has one. */
    static Optional<String> commonName(X509Certificate cert) {
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return Optional.of(rdn.getValue().toString());
                }
            }
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** Refuses, during the handshake, a chain-valid client whose CN is not on a non-empty allow list. */
    private final class SubjectCheck implements AdvancedTlsX509TrustManager.SslSocketAndEnginePeerVerifier {
        @Override
        public void verifyPeerCertificate(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            check(chain);
        }

        @Override
        public void verifyPeerCertificate(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            check(chain);
        }

        private void check(X509Certificate[] chain) throws CertificateException {
            Set<String> allowed = allowedSubjects;
            if (allowed.isEmpty()) {
                return;
            }
            Optional<String> cn = chain.length == 0 ? Optional.empty() : commonName(chain[0]);
            if (cn.isEmpty() || !allowed.contains(cn.get())) {
                throw new CertificateException("client subject CN " + cn.orElse("(none)")
                        + " is not in remote.allowed_subjects");
            }
        }
    }
}
