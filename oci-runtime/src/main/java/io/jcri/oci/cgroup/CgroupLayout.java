package io.jcri.oci.cgroup;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The cgroup hierarchies a host has mounted, read from {@code /proc/self/mountinfo}: either one cgroup v2 tree at
 * the root, or cgroup v1 hierarchies (one per controller or controller group) with an unused v2 tree beside them.
 *
 * @param unified     true when the root itself is cgroup v2
 * @param hierarchies the mount points to create cgroups in: the v2 root, or every v1 hierarchy
 */
public record CgroupLayout(boolean unified, List<Hierarchy> hierarchies) {
    /** One mounted hierarchy and the controllers it carries ({@code name=systemd} style names included). */
    public record Hierarchy(String mountPoint, Set<String> controllers) {
        public boolean has(String controller) {
            return controllers.contains(controller);
        }
    }

    public CgroupLayout {
        hierarchies = List.copyOf(hierarchies);
    }

    /**
     * The cgroup v2 tree: the root when unified, else the one beside the v1 hierarchies (the hierarchy without
     * controllers: a named v1 hierarchy such as systemd's carries its {@code name=}); empty when there is none.
     */
    public Optional<Hierarchy> v2Tree() {
        return hierarchies.stream().filter(h -> h.controllers().isEmpty()).findFirst();
    }

    /** Parses mountinfo text for the hierarchies mounted under {@code root} (normally /sys/fs/cgroup). */
    public static CgroupLayout parse(String mountinfo, String root) {
        List<Hierarchy> v1 = new ArrayList<>();
        Hierarchy v2Root = null;
        for (String line : mountinfo.split("\n")) {
            int sep = line.indexOf(" - ");
            if (sep < 0) {
                continue;
            }
            String[] left = line.substring(0, sep).split(" ");
            String[] right = line.substring(sep + 3).split(" ");
            if (left.length < 5 || right.length < 3) {
                continue;
            }
            String mountPoint = left[4];
            if (right[0].equals("cgroup2") && mountPoint.equals(root)) {
                v2Root = new Hierarchy(mountPoint, Set.of());
            } else if (right[0].equals("cgroup2") && mountPoint.startsWith(root + "/")) {
                // Hybrid: runc makes each container's cgroup in the v2 tree too, so pod cgroups must be there
                // and go from there, like the named systemd hierarchy's.
                v1.add(new Hierarchy(mountPoint, Set.of()));
            } else if (right[0].equals("cgroup") && mountPoint.startsWith(root + "/")) {
                Set<String> controllers = Set.copyOf(Arrays.stream(right[2].split(","))
                        .filter(o -> !o.equals("rw") && !o.equals("ro") && !o.startsWith("release_agent")
                                && !o.equals("noprefix") && !o.startsWith("clone_children")
                                && !o.equals("xattr"))
                        .toList());
                v1.add(new Hierarchy(mountPoint, controllers));
            }
        }
        if (v2Root != null) {
            return new CgroupLayout(true, List.of(v2Root));
        }
        return new CgroupLayout(false, v1);
    }
}
