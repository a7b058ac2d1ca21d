package io.jcri.e2e.bench;

import io.jcri.e2e.JcriProcess;

/** jcri from {@code bin/jcri}, logging at {@code info} as deployed; its monitors are conmons. */
final class JcriDaemon implements BenchDaemon {
    private final JcriProcess process;

    private JcriDaemon(JcriProcess process) {
        this.process = process;
    }

    /** Starts jcri with {@code extraToml} added to the scratch configuration; returns once its socket exists. */
    static JcriDaemon start(String extraToml) throws Exception {
        return new JcriDaemon(JcriProcess.startAsDeployed(extraToml));
    }

    @Override
    public String name() {
        return "jcri";
    }

    @Override
    public String endpoint() {
        return process.endpoint();
    }

    @Override
    public long pid() {
        return process.process().pid();
    }

    /** conmon names its exit and socket directories, which lie under the daemon's scratch directory. */
    @Override
    public boolean isMonitor(String cmdline) {
        return cmdline.matches("^(\\S*/)?conmon .*") && cmdline.contains(process.dir() + "/");
    }

    @Override
    public void stop() throws InterruptedException {
        process.stop();
    }

    @Override
    public void start() throws Exception {
        process.launch();
    }

    @Override
    public void close() throws Exception {
        process.close();
    }
}
