package io.jcri.e2e.bench;

import java.util.function.Predicate;

/**
 * A runtime to measure: its CRI endpoint, and how to recognise its daemon and its per-container monitors among
 * the host's processes (by command line) for the memory figures.
 */
record BenchTarget(String name, String endpoint, Predicate<String> daemon, Predicate<String> monitor) {

    static BenchTarget jcri(String endpoint) {
        return new BenchTarget("jcri", endpoint,
                cmd -> cmd.contains("jcri.jar") && cmd.contains(" serve"),
                cmd -> cmd.startsWith("conmon ") || cmd.startsWith("/usr/bin/conmon "));
    }

    static BenchTarget containerd(String endpoint) {
        return new BenchTarget("containerd", endpoint,
                cmd -> cmd.matches("^(\\S*/)?containerd( .*)?$"),
                cmd -> cmd.matches("^(\\S*/)?containerd-shim\\S*( .*)?$"));
    }
}
