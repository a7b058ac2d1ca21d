package io.jcri.e2e.bench;

/**
 * A CRI runtime's daemon that the harness started, can stop with its pods left running and start again on the same
 * state: jcri or containerd.
 */
interface BenchDaemon extends AutoCloseable {
    /** The runtime's name for the table. */
    String name();

    /** Its CRI endpoint ({@code unix://...}). */
    String endpoint();

    /** The daemon's current pid (it changes with each start). */
    long pid();

    /**
     * Whether a process, by its command line, is one of this daemon's per-pod monitors (conmon, a shim). The command
     * lines of both name the daemon's scratch directory, so another runtime's monitors on the host never match.
     */
    boolean isMonitor(String cmdline);

    /** Stops the daemon with SIGTERM as a service manager would, leaving its pods running. */
    void stop() throws Exception;

    /** Starts the daemon again on the same state; it may not answer calls yet when this returns. */
    void start() throws Exception;
}
