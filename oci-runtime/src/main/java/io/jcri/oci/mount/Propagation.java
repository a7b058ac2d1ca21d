package io.jcri.oci.mount;

import io.jcri.oci.OciException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The host side of a volume's mount propagation. A bind mount can only receive (rslave) mounts from the host if
 * the host mount it comes from is shared or a slave, and exchange (rshared) them only if it is shared. jcri does
 * not change the host's mount table for a pod (any pod could make a host mount shared): as containerd, it refuses
 * a volume whose host mount cannot propagate as asked, naming that mount.
 */
public final class Propagation {
    private Propagation() {
    }

    /** The mount point in this mount namespace that holds {@code path}, and its optional fields. */
    record MountInfo(String mountPoint, String optional) {
    }

    /**
     * Why a bind mount of {@code source} cannot propagate as asked, or empty when it can.
     *
     * @param bidirectional rshared (Bidirectional) rather than rslave (HostToContainer)
     */
    public static Optional<String> refusal(Path source, boolean bidirectional) {
        return refusal(source, mountOf(source), bidirectional);
    }

    static Optional<String> refusal(Path source, MountInfo m, boolean bidirectional) {
        boolean shared = m.optional().contains("shared:");
        if (shared || (!bidirectional && m.optional().contains("master:"))) {
            return Optional.empty();
        }
        return Optional.of(source + " is on host mount " + m.mountPoint() + ", which "
                + (bidirectional ? "is not shared: Bidirectional propagation needs a shared mount"
                : "is private: HostToContainer propagation needs a shared or slave mount")
                + " (mount --make-shared " + m.mountPoint() + " on the host)");
    }

    static MountInfo mountOf(Path source) {
        try {
            return mountOf(source.toRealPath().toString(), Files.readAllLines(Path.of("/proc/self/mountinfo")));
        } catch (IOException e) {
            throw new OciException("cannot find the mount of " + source + ": " + e.getMessage(), e);
        }
    }

    /** The longest mount point of {@code mountinfo} holding {@code path}, a real path. */
    static MountInfo mountOf(String path, List<String> lines) {
        MountInfo best = null;
        for (String line : lines) {
            String[] f = line.split(" ");
            String mp = unescape(f[4]);
            if (within(path, mp) && (best == null || mp.length() >= best.mountPoint().length())) {
                StringBuilder opt = new StringBuilder();
                for (int i = 6; i < f.length && !f[i].equals("-"); i++) {
                    opt.append(f[i]).append(' ');
                }
                best = new MountInfo(mp, opt.toString());
            }
        }
        if (best == null) {
            throw new OciException("no mount holds " + path);
        }
        return best;
    }

    private static boolean within(String path, String mountPoint) {
        return mountPoint.equals("/") || path.equals(mountPoint) || path.startsWith(mountPoint + "/");
    }

    private static String unescape(String s) {
        return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }
}
