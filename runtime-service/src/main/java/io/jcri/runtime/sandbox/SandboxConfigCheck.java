package io.jcri.runtime.sandbox;

import io.jcri.cni.CniRequest;
import io.jcri.cri.CriException;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.NamespaceOption;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxMetadata;
import io.jcri.cri.v1.PortMapping;
import io.jcri.cri.v1.Protocol;
import java.util.regex.Pattern;

/**
 * Refuses a sandbox config that cannot work with INVALID_ARGUMENT before anything is made for it, so that a
 * caller's mistake never surfaces later as an internal error from the kernel or a CNI plugin.
 */
final class SandboxConfigCheck {
    private static final Pattern CGROUP_COMPONENT = Pattern.compile("[A-Za-z0-9_.:@=+-]{1,200}");
    private static final Pattern CPU_LIST = Pattern.compile("[0-9,-]*");
    private static final int MAX_HOSTNAME = 253;

    private SandboxConfigCheck() {
    }

    static void check(PodSandboxConfig config) {
        PodSandboxMetadata md = config.getMetadata();
        if (md.getName().isEmpty() || md.getNamespace().isEmpty() || md.getUid().isEmpty()) {
            throw CriException.invalid("pod sandbox metadata needs a name, a namespace and a uid");
        }
        CniRequest.checkArgs(SandboxNetwork.podArgs(md));
        if (config.getHostname().length() > MAX_HOSTNAME || config.getHostname().chars()
                .anyMatch(c -> c <= ' ' || c == '/' || c > '~')) {
            throw CriException.invalid("hostname '" + abbreviate(config.getHostname())
                    + "' is not a valid host name");
        }
        for (PortMapping p : config.getPortMappingsList()) {
            if (p.getContainerPort() < 0 || p.getContainerPort() > 65535 || p.getHostPort() < 0
                    || p.getHostPort() > 65535 || p.getProtocol() == Protocol.UNRECOGNIZED) {
                throw CriException.invalid("port mapping " + p.getHostPort() + "->"
                        + p.getContainerPort() + "/" + p.getProtocol() + " is out of range");
            }
            if (!p.getHostIp().isEmpty() && !p.getHostIp().matches("[0-9a-fA-F.:]+")) {
                throw CriException.invalid("port mapping host IP '" + abbreviate(p.getHostIp())
                        + "' is not an IP address");
            }
        }
        String parent = config.getLinux().getCgroupParent();
        if (!parent.isEmpty()) {
            for (String component : parent.split("/")) {
                if (!component.isEmpty() && (!CGROUP_COMPONENT.matcher(component).matches()
                        || component.equals("..") || component.equals("."))) {
                    throw CriException.invalid("cgroup parent '" + abbreviate(parent)
                            + "' is not a usable cgroup path");
                }
            }
        }
        resources("resources", config.getLinux().getResources());
        resources("overhead", config.getLinux().getOverhead());
        NamespaceOption ns = config.getLinux().getSecurityContext().getNamespaceOptions();
        if (ns.getNetwork() == NamespaceMode.UNRECOGNIZED || ns.getIpc() == NamespaceMode.UNRECOGNIZED
                || ns.getPid() == NamespaceMode.UNRECOGNIZED) {
            throw CriException.invalid("unknown namespace mode in " + ns);
        }
        PodUserNamespace.check(config);
        SysctlPolicy.check(config.getLinux().getSysctlsMap(), ns.getNetwork() != NamespaceMode.NODE,
                ns.getIpc() != NamespaceMode.NODE);
    }

    private static void resources(String what, LinuxContainerResources r) {
        if (r.getCpuShares() < 0 || r.getCpuShares() > 262144 || r.getCpuQuota() < -1 || r.getCpuPeriod() < 0
                || r.getCpuPeriod() > 1_000_000 || r.getCpuPeriod() > 0 && r.getCpuPeriod() < 1000
                || r.getMemoryLimitInBytes() < 0 || !CPU_LIST.matcher(r.getCpusetCpus()).matches()
                || !CPU_LIST.matcher(r.getCpusetMems()).matches()) {
            throw CriException.invalid("pod " + what + " are out of range: shares " + r.getCpuShares()
                    + ", quota " + r.getCpuQuota() + ", period " + r.getCpuPeriod() + ", memory "
                    + r.getMemoryLimitInBytes() + ", cpuset '" + abbreviate(r.getCpusetCpus()) + "'/'"
                    + abbreviate(r.getCpusetMems()) + "'");
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "..." : s;
    }
}
