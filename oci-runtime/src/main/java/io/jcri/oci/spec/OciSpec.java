package io.jcri.oci.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * An OCI runtime configuration ({@code config.json}, runtime-spec 1.2) as immutable records. Only the fields jcri
 * sets exist here; a null field is left out of the JSON so the runtime applies its own default.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OciSpec(String ociVersion, Process process, Root root, String hostname, List<Mount> mounts,
                      Hooks hooks, Map<String, String> annotations, Linux linux) {
    /**
     * The version written to config.json. The records follow runtime-spec 1.2, but crun 1.8 refuses any version
     * that does not contain "1.0" and runc 1.1 knows 1.0.2; every field used here exists in 1.0.2.
     */
    public static final String VERSION = "1.0.2";

    /** The container's main process, also the shape of a {@code runc exec --process} file. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Process(Boolean terminal, User user, List<String> args, List<String> env, String cwd,
                          Capabilities capabilities, List<Rlimit> rlimits, Boolean noNewPrivileges,
                          String apparmorProfile, Integer oomScoreAdj, String selinuxLabel) {
        public Process withArgs(List<String> newArgs, boolean newTerminal) {
            return new Process(newTerminal, user, newArgs, env, cwd, capabilities, rlimits, noNewPrivileges,
                    apparmorProfile, oomScoreAdj, selinuxLabel);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record User(long uid, long gid, Integer umask, List<Long> additionalGids) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Capabilities(List<String> bounding, List<String> effective, List<String> inheritable,
                               List<String> permitted, List<String> ambient) {
        /** The same set in bounding, effective and permitted, none inheritable or ambient (as containerd does). */
        public static Capabilities of(List<String> caps) {
            return new Capabilities(caps, caps, List.of(), caps, List.of());
        }
    }

    public record Rlimit(String type, long hard, long soft) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Root(String path, Boolean readonly) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Mount(String destination, String type, String source, List<String> options,
                        List<IdMapping> uidMappings, List<IdMapping> gidMappings) {
        public Mount(String destination, String type, String source, List<String> options) {
            this(destination, type, source, options, null, null);
        }
    }

    public record IdMapping(long containerID, long hostID, long size) {
    }

    /** The lifecycle hooks, each list in the order they run (from CDI devices). */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Hooks(List<Hook> prestart, List<Hook> createRuntime, List<Hook> createContainer,
                        List<Hook> startContainer, List<Hook> poststart, List<Hook> poststop) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Hook(String path, List<String> args, List<String> env, Integer timeout) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Linux(List<IdMapping> uidMappings, List<IdMapping> gidMappings, Map<String, String> sysctl,
                        Resources resources, String cgroupsPath, List<Namespace> namespaces, List<Device> devices,
                        Seccomp seccomp, String rootfsPropagation, List<String> maskedPaths,
                        List<String> readonlyPaths, String mountLabel) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Namespace(String type, String path) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Device(String type, String path, long major, long minor, Integer fileMode, Long uid, Long gid) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Resources(List<DeviceRule> devices, Memory memory, Cpu cpu, Pids pids,
                            List<HugepageLimit> hugepageLimits, Map<String, String> unified) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DeviceRule(boolean allow, String type, Long major, Long minor, String access) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Memory(Long limit, Long reservation, Long swap, Long swappiness, Boolean disableOOMKiller) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Cpu(Long shares, Long quota, Long period, String cpus, String mems) {
    }

    public record Pids(long limit) {
    }

    public record HugepageLimit(String pageSize, long limit) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Seccomp(String defaultAction, Integer defaultErrnoRet, List<String> architectures,
                          List<String> flags, List<Syscall> syscalls) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Syscall(List<String> names, String action, Integer errnoRet, List<SyscallArg> args) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SyscallArg(int index, long value, Long valueTwo, String op) {
    }
}
