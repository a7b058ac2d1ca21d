package io.jcri.server.streaming;

import io.jcri.cri.v1.AttachRequest;
import io.jcri.cri.v1.ExecRequest;
import io.jcri.cri.v1.PortForwardRequest;
import io.jcri.oci.exec.RuntimeExec;
import io.jcri.oci.exec.StreamSession;
import io.jcri.runtime.stream.StreamService;
import java.io.IOException;
import java.nio.channels.SocketChannel;

/** The streaming server's view of the real runtime: CRI requests unpacked onto {@link StreamService}. */
public final class RuntimeStreamingBackend implements StreamingBackend {
    private final StreamService streams;

    public RuntimeStreamingBackend(StreamService streams) {
        this.streams = streams;
    }

    @Override
    public void checkExec(ExecRequest request) {
        streams.requireRunning(request.getContainerId());
    }

    @Override
    public void checkAttach(AttachRequest request) {
        streams.requireRunning(request.getContainerId());
    }

    @Override
    public void checkPortForward(PortForwardRequest request) {
        streams.requireReady(request.getPodSandboxId());
    }

    @Override
    public StreamSession exec(ExecRequest r) {
        return streams.exec(r.getContainerId(), r.getCmdList(),
                new RuntimeExec.Stdio(r.getStdin(), r.getStdout(), r.getStderr() && !r.getTty(), r.getTty()));
    }

    @Override
    public StreamSession attach(AttachRequest r) {
        return streams.attach(r.getContainerId(), r.getStdin(), r.getStdout(), r.getStderr() && !r.getTty());
    }

    @Override
    public SocketChannel portForward(String sandboxId, int port) throws IOException {
        return streams.portForward(sandboxId, port);
    }
}
