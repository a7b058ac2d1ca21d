package io.jcri.e2e.bench;

import java.util.function.Predicate;

/**
 * A runtime to measure: its CRI endpoint, its daemon's pid, and how to recognise its per-container monitors among
 * the host's processes (their command lines name the daemon's scratch directory), for the memory figures.
 */
record BenchTarget(String name, String endpoint, long daemonPid, Predicate<String> monitor) {

    /** jcri's monitors are conmon processes whose exit and socket directories lie under the daemon's run dir. */
    static BenchTarget jcri(String endpoint, long pid, String scratchDir) {
        return new BenchTarget("jcri", endpoint, pid,
                cmd -> cmd.matches("^(\\S*/)?conmon .*") && cmd.contains(scratchDir));
    }

    /** containerd's monitors are its shims, which name the daemon's socket in their arguments. */
    static BenchTarget containerd(String endpoint, long pid, String scratchDir) {
        return new BenchTarget("containerd", endpoint, pid,
                cmd -> cmd.matches("^(\\S*/)?containerd-shim\\S* .*") && cmd.contains(scratchDir));
    }
}
