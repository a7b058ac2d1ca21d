package io.jcri.e2e.bench;

import com.sun.management.ThreadMXBean;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The bytes a daemon's JVM has allocated on its heap since it started, summed over all its threads (the finished
 * ones too), read through the JVM's local management agent: what each call costs in garbage is the difference
 * over many calls divided by their number. A reading itself allocates a little in the daemon (JMX over a local
 * RMI connection), which {@link #readingCost} measures so that it can be subtracted.
 */
final class DaemonAllocation implements AutoCloseable {
    private final JMXConnector connector;
    private final ThreadMXBean threads;

    private DaemonAllocation(JMXConnector connector, ThreadMXBean threads) {
        this.connector = connector;
        this.threads = threads;
    }

    /** Attaches to the JVM of process {@code pid} (same user) and starts its local management agent. */
    static DaemonAllocation attach(long pid) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
        String address;
        try {
            address = vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
        JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address));
        return new DaemonAllocation(connector, ManagementFactory.newPlatformMXBeanProxy(
                connector.getMBeanServerConnection(), ManagementFactory.THREAD_MXBEAN_NAME, ThreadMXBean.class));
    }

    /** Bytes allocated so far by every thread of the daemon. */
    long allocatedBytes() {
        return threads.getTotalThreadAllocatedBytes();
    }

    /** What one {@link #allocatedBytes} reading allocates in the daemon, over {@code readings} back to back. */
    long readingCost(int readings) {
        long first = allocatedBytes();
        long last = first;
        for (int i = 0; i < readings; i++) {
            last = allocatedBytes();
        }
        return (last - first) / readings;
    }

    @Override
    public void close() throws IOException {
        connector.close();
    }
}
