package io.jcri.runtime.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.LinuxPodSandboxStatus;
import io.jcri.cri.v1.Namespace;
import io.jcri.cri.v1.PodIP;
import io.jcri.cri.v1.PodSandbox;
import io.jcri.cri.v1.PodSandboxFilter;
import io.jcri.cri.v1.PodSandboxMetadata;
import io.jcri.cri.v1.PodSandboxNetworkStatus;
import io.jcri.cri.v1.PodSandboxState;
import io.jcri.cri.v1.PodSandboxStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/** Sandbox records as CRI messages, and the ListPodSandbox filter. */
final class SandboxViews {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SandboxViews() {
    }

    static PodSandboxState state(SandboxRecord r) {
        return r.state() == SandboxState.READY ? PodSandboxState.SANDBOX_READY : PodSandboxState.SANDBOX_NOTREADY;
    }

    static PodSandboxMetadata metadata(SandboxRecord r) {
        SandboxRecord.Meta m = r.meta();
        return PodSandboxMetadata.newBuilder().setName(m.name()).setNamespace(m.namespace()).setUid(m.uid())
                .setAttempt(m.attempt()).build();
    }

    static PodSandbox summary(SandboxRecord r) {
        SandboxRecord.Meta m = r.meta();
        return PodSandbox.newBuilder().setId(r.id()).setMetadata(metadata(r)).setState(state(r))
                .setCreatedAt(m.createdAt()).putAllLabels(m.labels()).putAllAnnotations(m.annotations())
                .setRuntimeHandler(m.runtimeHandler()).build();
    }

    static PodSandboxStatus status(SandboxRecord r) {
        SandboxRecord.Meta m = r.meta();
        PodSandboxNetworkStatus.Builder net = PodSandboxNetworkStatus.newBuilder().setIp(r.status().ip());
        r.status().additionalIps().forEach(ip -> net.addAdditionalIps(PodIP.newBuilder().setIp(ip)));
        return PodSandboxStatus.newBuilder().setId(r.id()).setMetadata(metadata(r)).setState(state(r))
                .setCreatedAt(m.createdAt()).setNetwork(net)
                .setLinux(LinuxPodSandboxStatus.newBuilder().setNamespaces(Namespace.newBuilder()
                        .setOptions(r.config().getLinux().getSecurityContext().getNamespaceOptions())))
                .putAllLabels(m.labels()).putAllAnnotations(m.annotations()).setRuntimeHandler(m.runtimeHandler())
                .build();
    }

    /** The verbose {@code info} entry: what jcri made for the pod, and the config it was asked for. */
    static String info(SandboxRecord r) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("id", r.id());
        info.put("state", r.state().name());
        info.put("runtimeHandler", r.meta().runtimeHandler());
        info.put("netnsPath", r.meta().netnsPath());
        info.put("ipcnsPath", r.meta().ipcnsPath());
        info.put("utsnsPath", r.meta().utsnsPath());
        info.put("pidnsPath", r.status().pidnsPath());
        info.put("pid", r.status().infraPid());
        info.put("hostname", r.meta().hostname());
        info.put("hostnamePath", r.meta().hostnamePath());
        info.put("hostsPath", r.meta().hostsPath());
        info.put("resolvConfPath", r.meta().resolvConfPath());
        info.put("shmPath", r.meta().shmPath());
        info.put("cgroupParent", r.meta().cgroupParent());
        try {
            info.put("config", JSON.readTree(JsonFormat.printer().print(r.config())));
            return JSON.writeValueAsString(info);
        } catch (InvalidProtocolBufferException | JsonProcessingException e) {
            throw new CriException(ErrorKind.INTERNAL, "cannot describe sandbox " + r.id(), e);
        }
    }

    static boolean matches(SandboxRecord r, PodSandboxFilter f) {
        if (f == null) {
            return true;
        }
        if (!f.getId().isEmpty() && !r.id().startsWith(f.getId())) {
            return false;
        }
        if (f.hasState() && f.getState().getState() != state(r)) {
            return false;
        }
        return f.getLabelSelectorMap().entrySet().stream()
                .allMatch(e -> e.getValue().equals(r.meta().labels().get(e.getKey())));
    }
}
