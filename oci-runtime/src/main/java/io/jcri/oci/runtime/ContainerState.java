package io.jcri.oci.runtime;

/** What {@code <runtime> state} says: status is creating, created, running, paused or stopped. */
public record ContainerState(String id, String status, int pid) {
}
