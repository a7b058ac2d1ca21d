package io.jcri.server.remote;

import io.grpc.util.CertificateUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A test CA made with openssl, issuing EC P-256 certificates into one directory. */
final class TestPki {
    private final Path dir;
    private final String name;

    private TestPki(Path dir, String name) {
        this.dir = dir;
        this.name = name;
    }

    record Issued(Path cert, Path key) {
        X509Certificate certificate() throws IOException, GeneralSecurityException {
            return TestPki.read(cert);
        }

        PrivateKey privateKey() throws IOException, GeneralSecurityException {
            try (InputStream in = Files.newInputStream(key)) {
                return CertificateUtils.getPrivateKey(in);
            }
        }
    }

    static TestPki authority(Path dir, String name) throws IOException, InterruptedException {
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", name + "-key.pem", "-out", name + ".pem", "-days", "2", "-subj", "/CN=" + name);
        return new TestPki(dir, name);
    }

    Path cert() {
        return dir.resolve(name + ".pem");
    }

    X509Certificate certificate() throws IOException, GeneralSecurityException {
        return read(cert());
    }

    Issued client(String cn) throws IOException, InterruptedException {
        return issue(cn, "extendedKeyUsage=clientAuth\n");
    }

    Issued issue(String cn, String extensions) throws IOException, InterruptedException {
        return issueSubject(cn, "/CN=" + cn, extensions);
    }

    Issued issueSubject(String file, String subject, String extensions) throws IOException, InterruptedException {
        String base = name + "-" + file;
        Files.writeString(dir.resolve(base + ".ext"), extensions, StandardCharsets.US_ASCII);
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", base + "-key.pem", "-out", base + ".csr", "-subj", subject);
        openssl(dir, "x509", "-req", "-in", base + ".csr", "-CA", name + ".pem", "-CAkey", name + "-key.pem",
                "-CAcreateserial", "-days", "2", "-extfile", base + ".ext", "-out", base + ".pem");
        return new Issued(dir.resolve(base + ".pem"), dir.resolve(base + "-key.pem"));
    }

    private static X509Certificate read(Path pem) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateUtils.getX509Certificates(in)[0];
        }
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
