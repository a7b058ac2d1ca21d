package io.jcri.runtime.sandbox;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.google.protobuf.InvalidProtocolBufferException;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.PodSandboxConfig;
import java.util.List;
import java.util.Map;

/**
 * A pod sandbox as recorded on disk: what was asked for and what was made for it. Containers of the pod read their
 * namespaces, files and cgroup from here.
 *
 * @param createdAt      nanoseconds since the epoch
 * @param configBytes    the whole {@link PodSandboxConfig} as sent (protobuf); see {@link #config()}
 * @param runtimeHandler the runtime handler name (a key of the configured handlers)
 * @param netnsPath      the pinned network namespace, null when the pod uses the host's network
 * @param ipcnsPath      the pinned IPC namespace, null when the pod uses the host's
 * @param utsnsPath      the pinned UTS namespace, null with host networking
 * @param pidnsPath      {@code /proc/<infraPid>/ns/pid} when the pod shares one PID namespace, else null
 * @param infraPid       the infra process, 0 when there is none
 * @param hostnamePath   the file to bind on {@code /etc/hostname}
 * @param hostsPath      the file to bind on {@code /etc/hosts}
 * @param resolvConfPath the file to bind on {@code /etc/resolv.conf}
 * @param shmPath        the pod's {@code /dev/shm} tmpfs, null when the pod uses the host's IPC namespace
 * @param cgroupParent   the pod cgroup, as a path relative to the cgroup roots, that containers go under
 * @param logDirectory   the pod's log directory from the config, may be empty
 * @param ip             the pod's first IP, empty with host networking
 * @param additionalIps  the pod's other IPs
 */
public record SandboxRecord(String id, String name, String namespace, String uid, int attempt, SandboxState state,
                            long createdAt, Map<String, String> labels, Map<String, String> annotations,
                            byte[] configBytes, String runtimeHandler, String netnsPath, String ipcnsPath,
                            String utsnsPath, String pidnsPath, int infraPid, String hostname,
                            String hostnamePath, String hostsPath, String resolvConfPath, String shmPath,
                            String cgroupParent, String logDirectory, String ip, List<String> additionalIps) {

    public SandboxRecord {
        labels = Map.copyOf(labels == null ? Map.of() : labels);
        annotations = Map.copyOf(annotations == null ? Map.of() : annotations);
        additionalIps = List.copyOf(additionalIps == null ? List.of() : additionalIps);
        ip = ip == null ? "" : ip;
        logDirectory = logDirectory == null ? "" : logDirectory;
    }

    /** The config the sandbox was created with. */
    @JsonIgnore
    public PodSandboxConfig config() {
        try {
            return PodSandboxConfig.parseFrom(configBytes);
        } catch (InvalidProtocolBufferException e) {
            throw new CriException(ErrorKind.INTERNAL, "sandbox " + id + " has an unreadable config", e);
        }
    }

    /** Whether the pod uses the host's network namespace. */
    @JsonIgnore
    public boolean hostNetwork() {
        return netnsPath == null;
    }

    public SandboxRecord withState(SandboxState newState) {
        return new SandboxRecord(id, name, namespace, uid, attempt, newState, createdAt, labels, annotations,
                configBytes, runtimeHandler, netnsPath, ipcnsPath, utsnsPath, pidnsPath, infraPid, hostname,
                hostnamePath, hostsPath, resolvConfPath, shmPath, cgroupParent, logDirectory, ip, additionalIps);
    }

    public SandboxRecord withNetwork(String newIp, List<String> newAdditionalIps) {
        return new SandboxRecord(id, name, namespace, uid, attempt, state, createdAt, labels, annotations,
                configBytes, runtimeHandler, netnsPath, ipcnsPath, utsnsPath, pidnsPath, infraPid, hostname,
                hostnamePath, hostsPath, resolvConfPath, shmPath, cgroupParent, logDirectory, newIp,
                newAdditionalIps);
    }

    public SandboxRecord withInfra(int pid, String newPidnsPath) {
        return new SandboxRecord(id, name, namespace, uid, attempt, state, createdAt, labels, annotations,
                configBytes, runtimeHandler, netnsPath, ipcnsPath, utsnsPath, newPidnsPath, pid, hostname,
                hostnamePath, hostsPath, resolvConfPath, shmPath, cgroupParent, logDirectory, ip, additionalIps);
    }
}
