package io.jcri.image.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The platform whose manifest is taken from an image index: OS, architecture and variant as the OCI image spec
 * names them ({@code linux/arm64/v8}). Matching follows containerd's: the OS and architecture must be equal; an
 * arm64 variant {@code v8} is the same as none; an arm node runs its own variant and the ones below it (v7 runs v6
 * and v5); a node without a variant takes any.
 *
 * @param variant empty when there is none
 */
public record Platform(String os, String architecture, String variant) {
    private static final Pattern TEXT = Pattern.compile("([a-z0-9]+)/([a-z0-9_]+)(?:/([a-z0-9]+))?");
    /** The JVM's os.arch names in the Go names the image spec uses. */
    private static final Map<String, String> GO_ARCH = Map.of("amd64", "amd64", "x86_64", "amd64",
            "aarch64", "arm64", "arm", "arm", "x86", "386", "i386", "386", "ppc64le", "ppc64le", "s390x", "s390x",
            "riscv64", "riscv64", "loongarch64", "loong64");
    private static final Pattern ARM_CPU_ARCHITECTURE = Pattern.compile("(?m)^CPU architecture\\s*:\\s*(\\d+)");

    public Platform {
        variant = variant == null ? "" : variant;
        if (architecture.equals("arm64") && variant.equals("v8")) {
            variant = "";
        }
    }

    /**
     * Parses {@code os/architecture[/variant]}, lower case as the image spec writes them.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static Platform parse(String text) {
        Matcher m = TEXT.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not os/architecture[/variant], e.g. linux/arm64/v8");
        }
        return new Platform(m.group(1), m.group(2), m.group(3));
    }

    /** This machine's platform: linux, the JVM's architecture in Go's name, and for arm the CPU's variant. */
    public static Platform host() {
        String jvm = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String arch = GO_ARCH.getOrDefault(jvm, jvm);
        String variant = "";
        if (arch.equals("arm")) {
            try {
                Matcher m = ARM_CPU_ARCHITECTURE.matcher(Files.readString(Path.of("/proc/cpuinfo")));
                variant = m.find() ? "v" + Math.min(8, Integer.parseInt(m.group(1))) : "v7";
            } catch (IOException e) {
                variant = "v7";
            }
        }
        return new Platform("linux", arch, variant);
    }

    /**
     * How well an index entry's {@code os/architecture[/variant]} suits this platform: 0 when not at all, higher
     * for a closer variant (the same variant ranks highest).
     */
    public int rank(String entry) {
        if (entry == null) {
            return 0;
        }
        Platform other;
        try {
            other = parse(entry);
        } catch (IllegalArgumentException e) {
            return 0;
        }
        if (!other.os.equals(os) || !other.architecture.equals(architecture)) {
            return 0;
        }
        if (other.variant.equals(variant)) {
            return 100;
        }
        if (variant.isEmpty()) {
            return 50;
        }
        if (other.variant.isEmpty()) {
            return 40;
        }
        if (architecture.equals("arm") && other.variant.matches("v[5-8]") && variant.matches("v[5-8]")
                && other.variant.compareTo(variant) < 0) {
            return 10 + other.variant.charAt(1) - '0';
        }
        return 0;
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
    }
}
