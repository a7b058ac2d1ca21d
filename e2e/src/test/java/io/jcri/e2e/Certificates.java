package io.jcri.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test certificates made with openssl, as the README tells an operator to make them: a CA, a server certificate
 * for 127.0.0.1 and client certificates, EC P-256 keys in PKCS#8 PEM.
 */
final class Certificates {
    private final Path dir;
    private final String name;

    private Certificates(Path dir, String name) {
        this.dir = dir;
        this.name = name;
    }

    /** A certificate and its key. */
    record Issued(Path cert, Path key) {
    }

    /** A new CA named {@code name} with its files in {@code dir}. */
    static Certificates authority(Path dir, String name) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Certificates ca = new Certificates(dir, name);
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", name + "-key.pem", "-out", name + ".pem", "-days", "30", "-subj", "/CN=" + name);
        return ca;
    }

    Path cert() {
        return dir.resolve(name + ".pem");
    }

    /** A server certificate for 127.0.0.1 and localhost. */
    Issued server(String cn) throws IOException, InterruptedException {
        return issue(cn, "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n", 30);
    }

    /** A client certificate valid for 30 days. */
    Issued client(String cn) throws IOException, InterruptedException {
        return issue(cn, "extendedKeyUsage=clientAuth\n", 30);
    }

    /** A client certificate that expired a day ago. */
    Issued expiredClient(String cn) throws IOException, InterruptedException {
        return issue(cn, "extendedKeyUsage=clientAuth\n", -1);
    }

    /** ca.pem, cert.pem and key.pem in a directory of their own, as JCRI_TLS_DIR expects them. */
    Path tlsDir(Issued client) throws IOException {
        Path d = Files.createDirectories(dir.resolve("tls-" + client.cert().getFileName()));
        Files.copy(cert(), d.resolve("ca.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(client.cert(), d.resolve("cert.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(client.key(), d.resolve("key.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return d;
    }

    private Issued issue(String cn, String extensions, int days) throws IOException, InterruptedException {
        String base = name + "-" + cn + (days < 0 ? "-expired" : "");
        Files.writeString(dir.resolve(base + ".ext"), extensions, StandardCharsets.US_ASCII);
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", base + "-key.pem", "-out", base + ".csr", "-subj", "/CN=" + cn);
        openssl(dir, "x509", "-req", "-in", base + ".csr", "-CA", name + ".pem", "-CAkey", name + "-key.pem",
                "-CAcreateserial", "-days", Integer.toString(days), "-extfile", base + ".ext", "-out", base + ".pem");
        return new Issued(dir.resolve(base + ".pem"), dir.resolve(base + "-key.pem"));
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
