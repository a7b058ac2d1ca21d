package io.jcri.oci.mount;

import io.jcri.oci.OciException;
import io.jcri.oci.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The host side of a volume's mount propagation. A bind mount can only receive (rslave) or exchange (rshared)
 * mounts with the host if the host mount it comes from is itself shared, so that mount is made shared when it is
 * not; this changes the host's mount table, as kubelet expects of a runtime for Bidirectional and HostToContainer
 * mounts.
 */
public final class Propagation {
    private Propagation() {
    }

    /** The mount point in this mount namespace that holds {@code path}, and its optional fields. */
    record MountInfo(String mountPoint, String optional) {
    }

    /** Makes the mount holding {@code source} shared, unless it already is. */
    public static void ensureShared(Path source) {
        MountInfo m = mountOf(source);
        if (!m.optional().contains("shared:")) {
            Syscalls.mount("none", m.mountPoint(), null, Syscalls.MS_SHARED, null);
        }
    }

    static MountInfo mountOf(Path source) {
        String path;
        try {
            path = source.toRealPath().toString();
            List<String> lines = Files.readAllLines(Path.of("/proc/self/mountinfo"));
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
                throw new OciException("no mount holds " + source);
            }
            return best;
        } catch (IOException e) {
            throw new OciException("cannot find the mount of " + source + ": " + e.getMessage(), e);
        }
    }

    private static boolean within(String path, String mountPoint) {
        return mountPoint.equals("/") || path.equals(mountPoint) || path.startsWith(mountPoint + "/");
    }

    private static String unescape(String s) {
        return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }
}
