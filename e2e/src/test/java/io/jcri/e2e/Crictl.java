package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * crictl, the release {@code scripts/crictl.sh} pins (crictl is no Debian package: the script builds it from the Go
 * module proxy into a cache outside the repository on first use), run against one daemon.
 */
final class Crictl {
    private final Path binary;
    private final String endpoint;

    private Crictl(Path binary, String endpoint) {
        this.binary = binary;
        this.endpoint = endpoint;
    }

    /** crictl for the daemon at {@code endpoint}, built first when the cache does not hold it. */
    static Crictl against(String endpoint) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(JcriProcess.repoRoot().resolve("scripts/crictl.sh").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(20, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("scripts/crictl.sh failed: " + out);
        }
        return new Crictl(Path.of(out.substring(out.lastIndexOf('\n') + 1)), endpoint);
    }

    /** Runs {@code crictl args...}, asserts it exited 0 and returns its standard output. */
    String run(String... args) throws Exception {
        // crictl's own deadline is 2s by default: too short on a busy machine.
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--runtime-endpoint", endpoint,
                "--image-endpoint", endpoint, "--timeout", "120s"));
        cmd.addAll(List.of(args));
        Path err = Files.createTempFile("crictl-", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out + Files.readString(err)).isZero();
            return out;
        } finally {
            Files.delete(err);
        }
    }
}
