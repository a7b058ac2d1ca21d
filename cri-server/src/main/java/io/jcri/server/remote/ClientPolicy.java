package io.jcri.server.remote;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Which client certificates the remote listener lets in, as of one configuration: a chain valid now up to one of
 * the client CAs, and, when {@code remote.allowed_subjects} is not empty, a subject on it. A subject is the
 * certificate's one CN (a certificate with several is refused: implementations disagree on which one counts) or
 * one of its DNS or URI subject alternative names. Asked at the handshake and again at every call, so that a
 * reload takes effect on resumed sessions and open connections. Immutable: a reload makes a new one.
 */
final class ClientPolicy extends X509ExtendedTrustManager {
    private static final int SAN_DNS = 2;
    private static final int SAN_URI = 6;

    private final X509TrustManager chains;
    private final X509Certificate[] authorities;
    private final Set<String> allowedSubjects;

    private ClientPolicy(X509TrustManager chains, X509Certificate[] authorities, Set<String> allowedSubjects) {
        this.chains = chains;
        this.authorities = authorities;
        this.allowedSubjects = allowedSubjects;
    }

    static ClientPolicy of(X509Certificate[] clientCas, Collection<String> allowedSubjects)
            throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException(e);
        }
        for (int i = 0; i < clientCas.length; i++) {
            store.setCertificateEntry("ca-" + i, clientCas[i]);
        }
        TrustManagerFactory f = TrustManagerFactory.getInstance("PKIX");
        f.init(store);
        X509TrustManager chains = null;
        for (var tm : f.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                chains = x;
            }
        }
        if (chains == null) {
            throw new GeneralSecurityException("no X.509 trust manager");
        }
        return new ClientPolicy(chains, clientCas.clone(), Set.copyOf(allowedSubjects));
    }

    /** Lets {@code chain} in, or says why not. */
    void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("no client certificate");
        }
        chains.checkClientTrusted(chain, chain[0].getPublicKey().getAlgorithm());
        if (allowedSubjects.isEmpty()) {
            return;
        }
        List<String> names = subjects(chain[0]);
        for (String n : names) {
            if (allowedSubjects.contains(n)) {
                return;
            }
        }
        throw new CertificateException("client subject " + (names.isEmpty() ? "(no CN or DNS or URI name)"
                : String.join(", ", names)) + " is not in remote.allowed_subjects");
    }

    /** The names a certificate may be allowed by: its CN, then its DNS and URI alternative names. */
    static List<String> subjects(X509Certificate cert) throws CertificateException {
        List<String> names = new ArrayList<>();
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    names.add(rdn.getValue().toString());
                }
            }
        } catch (InvalidNameException e) {
            throw new CertificateException("unreadable subject: " + e.getMessage(), e);
        }
        if (names.size() > 1) {
            throw new CertificateException("the client certificate has " + names.size()
                    + " CNs; one at most is accepted");
        }
        try {
            Collection<List<?>> alt = cert.getSubjectAlternativeNames();
            if (alt != null) {
                for (List<?> entry : alt) {
                    int type = (Integer) entry.get(0);
                    if ((type == SAN_DNS || type == SAN_URI) && entry.get(1) instanceof String s) {
                        names.add(s);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            throw new CertificateException("unreadable subject alternative names: " + e.getMessage(), e);
        }
        return names;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("the remote listener trusts clients only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("the remote listener trusts clients only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("the remote listener trusts clients only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return authorities.clone();
    }
}
