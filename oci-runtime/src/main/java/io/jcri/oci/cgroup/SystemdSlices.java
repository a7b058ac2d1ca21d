package io.jcri.oci.cgroup;

/** systemd's slice naming: {@code a-b-c.slice} lives at {@code /a.slice/a-b.slice/a-b-c.slice}. */
public final class SystemdSlices {
    private SystemdSlices() {
    }

    /** Whether {@code slice} is a slice unit name that {@link #expand} takes. */
    public static boolean isValid(String slice) {
        if (!slice.endsWith(".slice")) {
            return false;
        }
        String name = slice.substring(0, slice.length() - ".slice".length());
        return name.equals("-") || !(name.isEmpty() || name.startsWith("-") || name.endsWith("-")
                || name.contains("--") || name.contains("/"));
    }

    /** The cgroup path of a slice unit name; {@code -.slice} is the root. */
    public static String expand(String slice) {
        if (!isValid(slice)) {
            throw new IllegalArgumentException("'" + slice + "' is not a valid slice name");
        }
        String name = slice.substring(0, slice.length() - ".slice".length());
        if (name.equals("-")) {
            return "/";
        }
        StringBuilder path = new StringBuilder();
        int dash = name.indexOf('-');
        while (dash >= 0) {
            path.append('/').append(name, 0, dash).append(".slice");
            dash = name.indexOf('-', dash + 1);
        }
        return path.append('/').append(slice).toString();
    }

    /** The name of a child slice of {@code parent}: {@code jcri.slice} + {@code pod1} is {@code jcri-pod1.slice}. */
    public static String child(String parent, String leaf) {
        String escaped = leaf.replace("-", "_");
        if (parent.equals("-.slice") || parent.isEmpty()) {
            return escaped + ".slice";
        }
        return parent.substring(0, parent.length() - ".slice".length()) + "-" + escaped + ".slice";
    }
}
