package io.jcri.oci.cgroup;

/**
 * How cgroup paths are named. {@code CGROUPFS} uses plain paths ({@code /jcri/pod-<id>}); {@code SYSTEMD} uses
 * slices ({@code jcri.slice} contains {@code jcri-pod<id>.slice}), laid out as systemd would lay them out.
 */
public enum CgroupDriver {
    CGROUPFS,
    SYSTEMD;

    /** The driver named in configuration ("cgroupfs" or "systemd"). */
    public static CgroupDriver of(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "cgroupfs" -> CGROUPFS;
            case "systemd" -> SYSTEMD;
            default -> throw new IllegalArgumentException("unknown cgroup driver '" + name
                    + "' (cgroupfs or systemd)");
        };
    }
}
