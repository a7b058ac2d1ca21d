package io.jcri.oci;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Checks that an OCI runtime binary exists and runs, for the RuntimeReady condition. */
public final class RuntimeBinaryProbe {
    private static final long TIMEOUT_SECONDS = 10;

    private RuntimeBinaryProbe() {
    }

    /** Empty when {@code binary --version} runs and exits 0; otherwise why not, in words. */
    public static Optional<String> problem(String binary) {
        Optional<Path> path = Executables.find(binary);
        if (path.isEmpty()) {
            return Optional.of("OCI runtime '" + binary + "' not found");
        }
        try {
            Process p = new ProcessBuilder(path.get().toString(), "--version").redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.of(path.get() + " --version did not answer within " + TIMEOUT_SECONDS + "s");
            }
            if (p.exitValue() != 0) {
                return Optional.of(path.get() + " --version exited " + p.exitValue() + ": "
                        + new String(out, StandardCharsets.UTF_8).strip());
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot run " + path.get() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while probing " + path.get());
        }
    }
}
