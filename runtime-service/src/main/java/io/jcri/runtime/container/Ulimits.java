package io.jcri.runtime.container;

import io.jcri.cri.CriException;
import io.jcri.oci.spec.OciSpec;
import io.jcri.oci.sys.LibC;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The node's default rlimits for containers (configuration {@code runtime.default_ulimits}, as CRI-O's
 * default_ulimits), each capped at jcri's own hard limit: without CAP_SYS_RESOURCE nothing can raise it.
 */
public final class Ulimits {
    private static final Map<String, Integer> RESOURCES = Map.ofEntries(Map.entry("cpu", 0), Map.entry("fsize", 1),
            Map.entry("data", 2), Map.entry("stack", 3), Map.entry("core", 4), Map.entry("rss", 5),
            Map.entry("nproc", 6), Map.entry("nofile", 7), Map.entry("memlock", 8), Map.entry("as", 9),
            Map.entry("locks", 10), Map.entry("sigpending", 11), Map.entry("msgqueue", 12), Map.entry("nice", 13),
            Map.entry("rtprio", 14), Map.entry("rttime", 15));

    private final Map<Integer, Long> byNumber;
    private final List<OciSpec.Rlimit> rlimits;

    private Ulimits(Map<Integer, Long> byNumber, List<OciSpec.Rlimit> rlimits) {
        this.byNumber = byNumber;
        this.rlimits = rlimits;
    }

    /** @param configured limit name ({@code nofile}, {@code nproc}, ...) to the soft and hard value */
    public static Ulimits of(Map<String, Long> configured) {
        Map<Integer, Long> byNumber = new LinkedHashMap<>();
        List<OciSpec.Rlimit> rlimits = new ArrayList<>();
        configured.forEach((name, value) -> {
            Integer n = RESOURCES.get(name.toLowerCase(Locale.ROOT));
            if (n == null) {
                throw CriException.invalid("unknown ulimit '" + name + "'; known: "
                        + RESOURCES.keySet().stream().sorted().toList());
            }
            long[] current = new long[2];
            long capped = value;
            if (LibC.INSTANCE.getrlimit(n, current) == 0 && Long.compareUnsigned(value, current[1]) > 0) {
                capped = current[1];
            }
            byNumber.put(n, capped);
            rlimits.add(new OciSpec.Rlimit("RLIMIT_" + name.toUpperCase(Locale.ROOT), capped, capped));
        });
        return new Ulimits(Map.copyOf(byNumber), List.copyOf(rlimits));
    }

    /** Resource number to value, for the monitor's prlimit. */
    public Map<Integer, Long> byNumber() {
        return byNumber;
    }

    /** The same limits as runtime-spec rlimits of a container process. */
    public List<OciSpec.Rlimit> rlimits() {
        return rlimits;
    }
}
