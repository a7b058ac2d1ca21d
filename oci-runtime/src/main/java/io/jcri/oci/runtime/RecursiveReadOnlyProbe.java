package io.jcri.oci.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.oci.OciException;
import io.jcri.oci.sys.Command;
import io.jcri.oci.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Whether a runtime can make recursive read-only mounts ("rro") here, asked once when the handler is made: the
 * kernel must have mount_setattr(2), and the runtime must list "rro" among the mount options of its
 * {@code features} command (runc 1.1 does; crun before 1.9 has no such command and does not know the option).
 * This is containerd's test; a runtime that cannot tell is taken not to know the option.
 */
final class RecursiveReadOnlyProbe {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private RecursiveReadOnlyProbe() {
    }

    /** Empty when the runtime at {@code binary} can make recursive read-only mounts here; otherwise why not. */
    static Optional<String> problem(Path binary) {
        if (!Syscalls.hasMountSetattr()) {
            return Optional.of("the kernel has no mount_setattr(2) (Linux 5.12 and later have it)");
        }
        Command.Result r;
        try {
            r = Command.run(List.of(binary.toString(), "features"), TIMEOUT, 1 << 20);
        } catch (OciException e) {
            return Optional.of("cannot run " + binary + " features: " + e.getMessage());
        }
        if (r.timedOut() || r.exitCode() != 0) {
            return Optional.of(binary + " cannot tell its mount options ('" + binary.getFileName()
                    + " features' failed: " + (r.timedOut() ? "no answer" : r.stderrText().strip()) + ")");
        }
        try {
            JsonNode options = JSON.readTree(r.stdoutText()).path("mountOptions");
            for (JsonNode o : options) {
                if (o.asText().equals("rro")) {
                    return Optional.empty();
                }
            }
            return Optional.of(binary + " features lists no 'rro' mount option");
        } catch (IOException e) {
            return Optional.of(binary + " features printed no JSON: " + e.getMessage());
        }
    }
}
