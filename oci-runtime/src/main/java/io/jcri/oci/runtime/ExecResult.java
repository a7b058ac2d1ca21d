package io.jcri.oci.runtime;

/** The outcome of a process run in a container: exit code and (capped) output, or that it ran out of time. */
public record ExecResult(int exitCode, byte[] stdout, byte[] stderr, boolean timedOut) {
}
