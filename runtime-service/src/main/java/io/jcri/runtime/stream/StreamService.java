package io.jcri.runtime.stream;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.oci.exec.ConmonAttach;
import io.jcri.oci.exec.RuntimeExec;
import io.jcri.oci.exec.StreamSession;
import io.jcri.oci.ns.NamespaceThread;
import io.jcri.oci.ns.NsType;
import io.jcri.runtime.container.ContainerService;
import io.jcri.runtime.sandbox.SandboxRecord;
import io.jcri.runtime.sandbox.SandboxService;
import io.jcri.runtime.sandbox.SandboxState;
import io.jcri.runtime.state.Ids;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime side of streaming: processes exec'd in running containers, attachments to a container's stdio
 * through its monitor, and connections to ports inside a pod's network namespace.
 */
public final class StreamService {
    private static final Logger LOG = LoggerFactory.getLogger(StreamService.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final ContainerService containers;
    private final SandboxService sandboxes;

    public StreamService(ContainerService containers, SandboxService sandboxes) {
        this.containers = containers;
        this.sandboxes = sandboxes;
    }

    /** Throws NOT_FOUND or FAILED_PRECONDITION unless the container exists and runs. */
    public void requireRunning(String containerId) {
        containers.streamTarget(containerId);
    }

    /** Throws NOT_FOUND or FAILED_PRECONDITION unless the sandbox exists and is ready. */
    public void requireReady(String sandboxId) {
        SandboxRecord s = sandboxes.require(sandboxId);
        if (s.state() != SandboxState.READY) {
            throw new CriException(ErrorKind.FAILED_PRECONDITION, "pod sandbox " + s.id() + " is "
                    + s.state() + ", not ready");
        }
    }

    /** Runs {@code cmd} in the container with the given streams; the session owns the process. */
    public StreamSession exec(String containerId, List<String> cmd, RuntimeExec.Stdio stdio) {
        ContainerService.StreamTarget t = containers.streamTarget(containerId);
        Path work = t.monitorDir().resolve("exec-" + Ids.newId().substring(0, 12));
        LOG.debug("container {}: exec {} (tty {})", t.id(), cmd, stdio.tty());
        return RuntimeExec.start(t.runtime(), t.id(), t.process().withArgs(cmd, stdio.tty()), work, stdio);
    }

    /** Joins the running container's stdio through its monitor. */
    public StreamSession attach(String containerId, boolean stdin, boolean stdout, boolean stderr) {
        ContainerService.StreamTarget t = containers.streamTarget(containerId);
        LOG.debug("container {}: attach (stdin {})", t.id(), stdin);
        return ConmonAttach.open(t.id(), t.bundle(), stdin, stdout, stderr);
    }

    /**
     * A connection to 127.0.0.1:{@code port} in the sandbox's network namespace. The socket is created on a
     * throwaway thread that entered the namespace (a socket keeps the namespace it was made in) and connected
     * from here.
     */
    public SocketChannel portForward(String sandboxId, int port) throws IOException {
        SandboxRecord s = sandboxes.require(sandboxId);
        if (s.state() != SandboxState.READY) {
            throw new CriException(ErrorKind.FAILED_PRECONDITION, "pod sandbox " + s.id() + " is "
                    + s.state() + ", not ready");
        }
        SocketChannel socket = s.hostNetwork() ? SocketChannel.open()
                : NamespaceThread.call("portforward-" + s.id(), CONNECT_TIMEOUT, () -> {
                    NamespaceThread.enter(Map.of(NsType.NET, Path.of(s.meta().netnsPath())));
                    return SocketChannel.open();
                });
        try {
            socket.socket().connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                    (int) CONNECT_TIMEOUT.toMillis());
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }
}
