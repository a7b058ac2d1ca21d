package io.jcri.oci;

import io.jcri.oci.spec.OciDefaults;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Finds executables the way a shell would, so the configuration may name a binary or give its path. */
public final class Executables {
    private static final List<String> FALLBACK_PATH = List.of(OciDefaults.SYSTEM_PATH.split(":"));

    private Executables() {
    }

    /** The executable file named {@code nameOrPath}: an absolute path as is, a bare name looked up on PATH. */
    public static Optional<Path> find(String nameOrPath) {
        if (nameOrPath.contains("/")) {
            Path p = Path.of(nameOrPath);
            return Files.isExecutable(p) && Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
        }
        String env = System.getenv("PATH");
        List<String> dirs = env == null || env.isBlank() ? FALLBACK_PATH : List.of(env.split(":"));
        for (String dir : concat(dirs)) {
            Path p = Path.of(dir, nameOrPath);
            if (Files.isExecutable(p) && Files.isRegularFile(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static List<String> concat(List<String> dirs) {
        return java.util.stream.Stream.concat(dirs.stream(), FALLBACK_PATH.stream()).distinct().toList();
    }
}
