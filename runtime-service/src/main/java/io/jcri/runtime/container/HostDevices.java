package io.jcri.runtime.container;

import io.jcri.oci.spec.OciSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/** The host's device nodes: one by path (for CRI devices) or all of /dev (for privileged containers). */
public class HostDevices {
    private static final Set<String> SKIPPED = Set.of("/dev/pts", "/dev/shm", "/dev/mqueue", "/dev/fd",
            "/dev/console", "/dev/ptmx");
    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFBLK = 0060000;

    /** The device node at {@code path} (links followed); empty when it is not a device. */
    public Optional<OciSpec.Device> of(String path) {
        try {
            Path p = Path.of(path);
            int mode = (Integer) Files.getAttribute(p, "unix:mode");
            int kind = mode & S_IFMT;
            if (kind != S_IFCHR && kind != S_IFBLK) {
                return Optional.empty();
            }
            long rdev = (Long) Files.getAttribute(p, "unix:rdev");
            long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
            long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
            return Optional.of(new OciSpec.Device(kind == S_IFCHR ? "c" : "b", path, major, minor, mode & 07777,
                    ((Integer) Files.getAttribute(p, "unix:uid")).longValue(),
                    ((Integer) Files.getAttribute(p, "unix:gid")).longValue()));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Every device node under /dev except the ones a container gets its own of. */
    public List<OciSpec.Device> all() {
        List<OciSpec.Device> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(Path.of("/dev"), 3)) {
            s.filter(p -> SKIPPED.stream().noneMatch(x -> p.toString().equals(x) || p.startsWith(x + "/")))
                    .filter(p -> !Files.isSymbolicLink(p) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .forEach(p -> of(p.toString()).ifPresent(out::add));
        } catch (IOException | java.io.UncheckedIOException e) {
            // /dev changes under the walk (a device going away); what was seen is what a privileged container gets.
            org.slf4j.LoggerFactory.getLogger(HostDevices.class).warn("listing host devices: {}", e.getMessage());
        }
        return out;
    }
}
