package io.jcri.oci.runtime;

import io.jcri.oci.sys.Command;
import io.jcri.oci.Executables;
import io.jcri.oci.OciException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether an OCI runtime binary can run here: it exists and {@code --version} exits 0. Status asks this on every
 * call (kubelet calls it every few seconds), so a binary is run again only when the file changed since its last
 * probe: a fork per Status call is CPU a node pays for nothing.
 */
public final class RuntimeBinaryProbe {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Map<Path, Probed> PROBED = new ConcurrentHashMap<>();

    /** The file as probed (identity and change time) and what the probe found. */
    private record Probed(Object fileKey, long modifiedMillis, long size, Optional<String> problem) {
    }

    private RuntimeBinaryProbe() {
    }

    /** Empty when {@code binary --version} runs and exits 0; otherwise why not, in words. */
    public static Optional<String> problem(String binary) {
        Optional<Path> path = Executables.find(binary);
        if (path.isEmpty()) {
            return Optional.of("OCI runtime '" + binary + "' not found");
        }
        Path p = path.get();
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class);
        } catch (IOException e) {
            return Optional.of("cannot look at " + p + ": " + e.getMessage());
        }
        Probed last = PROBED.get(p);
        if (last != null && java.util.Objects.equals(last.fileKey(), a.fileKey())
                && last.modifiedMillis() == a.lastModifiedTime().toMillis() && last.size() == a.size()) {
            return last.problem();
        }
        Optional<String> found = run(p);
        PROBED.put(p, new Probed(a.fileKey(), a.lastModifiedTime().toMillis(), a.size(), found));
        return found;
    }

    private static Optional<String> run(Path p) {
        try {
            Command.Result r = Command.run(List.of(p.toString(), "--version"), TIMEOUT, 64 << 10);
            if (r.timedOut()) {
                return Optional.of(p + " --version did not answer within " + TIMEOUT.toSeconds() + "s");
            }
            if (r.exitCode() != 0) {
                return Optional.of(p + " --version exited " + r.exitCode() + ": " + r.stderrText()
                        + r.stdoutText().strip());
            }
            return Optional.empty();
        } catch (OciException e) {
            return Optional.of("cannot run " + p + ": " + e.getMessage());
        }
    }
}
