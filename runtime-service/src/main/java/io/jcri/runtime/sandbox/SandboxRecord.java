package io.jcri.runtime.sandbox;

import com.google.protobuf.InvalidProtocolBufferException;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.runtime.state.StateStore;
import java.util.List;
import java.util.Map;

/**
 * A pod sandbox as recorded on disk in {@code sandboxes/<id>/}: what was asked for and the paths made for it
 * ({@link Meta}, written once when the run begins), and where it is ({@link Status}, rewritten at each change).
 * Containers of the pod read their namespaces, files and cgroup from here.
 */
public record SandboxRecord(Meta meta, Status status) {
    /** How the sandbox store keeps the two parts. */
    public static final StateStore.Shape<SandboxRecord, Meta, Status> SHAPE = new StateStore.Shape<>(Meta.class,
            Status.class, Meta::id, SandboxRecord::meta, SandboxRecord::status, SandboxRecord::new);

    /**
     * What the sandbox is made of; never changes.
     *
     * @param createdAt      nanoseconds since the epoch
     * @param configBytes    the whole {@link PodSandboxConfig} as sent (protobuf); see {@link #config()}
     * @param runtimeHandler the runtime handler name (a key of the configured handlers)
     * @param netnsPath      the pinned network namespace, null when the pod uses the host's network
     * @param ipcnsPath      the pinned IPC namespace, null when the pod uses the host's
     * @param utsnsPath      the pinned UTS namespace, null with host networking
     * @param hostnamePath   the file to bind on {@code /etc/hostname}
     * @param hostsPath      the file to bind on {@code /etc/hosts}
     * @param resolvConfPath the file to bind on {@code /etc/resolv.conf}
     * @param shmPath        the pod's {@code /dev/shm} tmpfs, null when the pod uses the host's IPC namespace
     * @param cgroupParent   the pod cgroup, as a path relative to the cgroup roots, that containers go under
     * @param logDirectory   the pod's log directory from the config, may be empty
     */
    public record Meta(String id, String name, String namespace, String uid, int attempt, long createdAt,
                       Map<String, String> labels, Map<String, String> annotations, byte[] configBytes,
                       String runtimeHandler, String netnsPath, String ipcnsPath, String utsnsPath,
                       String hostname, String hostnamePath, String hostsPath, String resolvConfPath,
                       String shmPath, String cgroupParent, String logDirectory) {
        public Meta {
            labels = Map.copyOf(labels == null ? Map.of() : labels);
            annotations = Map.copyOf(annotations == null ? Map.of() : annotations);
            logDirectory = logDirectory == null ? "" : logDirectory;
        }
    }

    /**
     * Where the sandbox is in its life and what its run gave it.
     *
     * @param ip            the pod's first IP, empty with host networking (and until the network is attached)
     * @param additionalIps the pod's other IPs
     * @param infraPid      the infra process, 0 when there is none
     * @param pidnsPath     {@code /proc/<infraPid>/ns/pid} when the pod shares one PID namespace, else null
     */
    public record Status(SandboxState state, String ip, List<String> additionalIps, int infraPid,
                         String pidnsPath) {
        public Status {
            ip = ip == null ? "" : ip;
            additionalIps = List.copyOf(additionalIps == null ? List.of() : additionalIps);
        }
    }

    public String id() {
        return meta.id();
    }

    public SandboxState state() {
        return status.state();
    }

    /** The config the sandbox was created with. */
    public PodSandboxConfig config() {
        try {
            return PodSandboxConfig.parseFrom(meta.configBytes());
        } catch (InvalidProtocolBufferException e) {
            throw new CriException(ErrorKind.INTERNAL, "sandbox " + id() + " has an unreadable config",
                    e);
        }
    }

    /** Whether the pod uses the host's network namespace. */
    public boolean hostNetwork() {
        return meta.netnsPath() == null;
    }

    public SandboxRecord withState(SandboxState newState) {
        return new SandboxRecord(meta, new Status(newState, status.ip(), status.additionalIps(), status.infraPid(),
                status.pidnsPath()));
    }

    public SandboxRecord withNetwork(String newIp, List<String> newAdditionalIps) {
        return new SandboxRecord(meta, new Status(status.state(), newIp, newAdditionalIps, status.infraPid(),
                status.pidnsPath()));
    }

    public SandboxRecord withInfra(int pid, String newPidnsPath) {
        return new SandboxRecord(meta, new Status(status.state(), status.ip(), status.additionalIps(), pid,
                newPidnsPath));
    }
}
