package io.jcri.runtime.container;

import io.jcri.cri.CriException;
import io.jcri.cri.v1.Capability;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.cri.v1.LinuxContainerSecurityContext;
import io.jcri.cri.v1.Mount;
import io.jcri.cri.v1.MountPropagation;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.SecurityProfile;
import io.jcri.image.ImageConfig;
import io.jcri.oci.seccomp.SeccompProfiles;
import io.jcri.oci.spec.OciDefaults;
import io.jcri.oci.spec.OciSpec;
import io.jcri.runtime.sandbox.PodUserNamespace;
import io.jcri.runtime.sandbox.SandboxRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns a CRI container config, its sandbox and its image's run defaults into an OCI runtime spec, with the
 * semantics kubelet expects (the Kubernetes rules for command and args, env override, user resolution, the
 * containerd defaults for capabilities, masked paths and seccomp). Host facts come in through
 * {@link NodeSettings} and {@link HostDevices}, so the building itself is a pure function.
 */
public final class SpecBuilder {
    static final int CONTAINER_UMASK = 0022;
    private final NodeSettings node;
    private final HostDevices hostDevices;

    /**
     * What the node contributes to every spec.
     *
     * @param minOomScoreAdj the lowest OOM score adjustment jcri may give (its own, without CAP_SYS_RESOURCE)
     * @param rlimits        the node's default rlimits for container processes
     * @param appArmor       whether the host has AppArmor enabled
     * @param cgroupV2       whether the host uses the unified cgroup hierarchy
     * @param hugetlb        whether the OCI runtime can set hugetlb limits (the controller is usable)
     * @param grantable      the capabilities jcri itself may pass on (its bounding set)
     */
    public record NodeSettings(int minOomScoreAdj, List<OciSpec.Rlimit> rlimits, boolean appArmor,
                               boolean cgroupV2, boolean hugetlb, Set<String> grantable) {
        /** The settings of this host: jcri's own OOM score adjustment and whether AppArmor is enabled. */
        public static NodeSettings detect(List<OciSpec.Rlimit> rlimits, boolean cgroupV2) {
            return new NodeSettings(readInt(Path.of("/proc/self/oom_score_adj")), rlimits,
                    "Y".equals(readText(Path.of("/sys/module/apparmor/parameters/enabled"))), cgroupV2,
                    hugetlb(cgroupV2), boundingSet());
        }

        /**
         * Whether hugetlb is usable: enabled at the v2 root, or mounted as a v1 hierarchy (a hybrid host may have
         * it only in its cgroup2 tree, where a v1 runc cannot use it; /proc/cgroups says hierarchy 0 then).
         */
        private static boolean hugetlb(boolean cgroupV2) {
            if (cgroupV2) {
                return List.of(readText(Path.of("/sys/fs/cgroup/cgroup.controllers")).split(" ")).contains("hugetlb");
            }
            return readText(Path.of("/proc/cgroups")).lines().map(l -> l.split("\\s+"))
                    .anyMatch(f -> f.length > 1 && f[0].equals("hugetlb") && !f[1].equals("0"));
        }

        /** The capabilities in this process' bounding set (CapBnd of /proc/self/status). */
        private static Set<String> boundingSet() {
            long mask = readText(Path.of("/proc/self/status")).lines().filter(l -> l.startsWith("CapBnd:"))
                    .map(l -> Long.parseUnsignedLong(l.substring("CapBnd:".length()).strip(), 16)).findFirst()
                    .orElse(-1L);
            Set<String> out = new LinkedHashSet<>();
            for (int bit = 0; bit < OciDefaults.ALL_CAPABILITIES.size(); bit++) {
                if ((mask & (1L << bit)) != 0) {
                    out.add(OciDefaults.ALL_CAPABILITIES.get(bit));
                }
            }
            return Set.copyOf(out);
        }

        private static int readInt(Path p) {
            String s = readText(p);
            return s.matches("-?\\d+") ? Integer.parseInt(s) : 0;
        }

        private static String readText(Path p) {
            try {
                return java.nio.file.Files.readString(p).strip();
            } catch (java.io.IOException e) {
                return "";
            }
        }
    }

    /** Everything a spec is built from besides the node: resolved user and the paths prepared for the container. */
    public record Input(String containerId, ContainerConfig config, SandboxRecord sandbox, ImageConfig image,
                        Path rootfs, String cgroupsPath, UserResolver.ResolvedUser user, int targetPid) {
    }

    public SpecBuilder(NodeSettings node, HostDevices hostDevices) {
        this.node = node;
        this.hostDevices = hostDevices;
    }

    public OciSpec build(Input in) {
        ContainerConfig c = in.config();
        LinuxContainerSecurityContext sc = c.getLinux().getSecurityContext();
        boolean privileged = sc.getPrivileged();
        if (privileged && !in.sandbox().config().getLinux().getSecurityContext().getPrivileged()) {
            throw CriException.invalid("a privileged container needs a privileged pod sandbox");
        }
        List<String> caps = capabilities(sc, privileged, node.grantable());
        // 022 as under any init: the runtime would otherwise pass on jcri's own umask (077).
        OciSpec.Process process = new OciSpec.Process(c.getTty(),
                new OciSpec.User(in.user().uid(), in.user().gid(), CONTAINER_UMASK, in.user().additionalGids()),
                args(c, in.image()), env(c, in.image()), cwd(c, in.image()),
                new OciSpec.Capabilities(caps, caps, ambient(sc), caps, ambient(sc)),
                node.rlimits(), sc.getNoNewPrivs() ? Boolean.TRUE : null, appArmor(sc),
                oomScoreAdj(c.getLinux().getResources()), null);
        boolean ownUserns = PodUserNamespace.own(in.sandbox().config());
        OciSpec.Linux linux = new OciSpec.Linux(
                ownUserns ? PodUserNamespace.uidMappings(in.sandbox().config()) : null,
                ownUserns ? PodUserNamespace.gidMappings(in.sandbox().config()) : null,
                null, resources(c, privileged), in.cgroupsPath(),
                namespaces(in), devices(c, privileged), seccomp(sc, privileged, caps), rootfsPropagation(c),
                // As given, empty included: kubelet sends its default lists for procMount Default and empty ones for
                // Unmasked (nested containers in a user-namespaced pod need an unmasked /proc).
                privileged ? List.of() : sc.getMaskedPathsList(),
                privileged ? List.of() : sc.getReadonlyPathsList(), null);
        Map<String, String> annotations = new LinkedHashMap<>(c.getAnnotationsMap());
        annotations.put("io.kubernetes.cri.container-type", "container");
        annotations.put("io.kubernetes.cri.sandbox-id", in.sandbox().id());
        annotations.put("io.kubernetes.cri.container-name", c.getMetadata().getName());
        return new OciSpec(OciSpec.VERSION, process, new OciSpec.Root(in.rootfs().toString(),
                sc.getReadonlyRootfs() ? Boolean.TRUE : null),
                hostname(in.sandbox(), ownUserns), mounts(in, privileged), null,
                annotations, linux);
    }

    /**
     * The hostname the runtime sets: none when the container shares the host's UTS namespace, and none inside a
     * pod user namespace, which does not own the pinned UTS namespace (it has the pod's hostname already).
     */
    private static String hostname(SandboxRecord sandbox, boolean ownUserns) {
        return sandbox.meta().utsnsPath() == null || ownUserns ? null : sandbox.meta().hostname();
    }

    /** The runtime-spec form of new limits for a running container. */
    public OciSpec.Resources resources(LinuxContainerResources r) {
        return ResourceMapper.toOci(r, node.cgroupV2(), node.hugetlb());
    }

    static List<String> args(ContainerConfig c, ImageConfig image) {
        List<String> args = new ArrayList<>();
        if (!c.getCommandList().isEmpty()) {
            args.addAll(c.getCommandList());
            args.addAll(c.getArgsList());
        } else {
            args.addAll(image.entrypoint());
            args.addAll(c.getArgsList().isEmpty() ? image.cmd() : c.getArgsList());
        }
        if (args.isEmpty()) {
            throw CriException.invalid("container '" + c.getMetadata().getName()
                    + "' has no command: neither the config nor the image gives one");
        }
        return args;
    }

    static List<String> env(ContainerConfig c, ImageConfig image) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String kv : image.env()) {
            int eq = kv.indexOf('=');
            env.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
        }
        c.getEnvsList().forEach(kv -> env.put(kv.getKey(), kv.getValue().toStringUtf8()));
        List<String> out = new ArrayList<>();
        if (!env.containsKey("PATH")) {
            out.add(OciDefaults.DEFAULT_PATH);
        }
        env.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    static String cwd(ContainerConfig c, ImageConfig image) {
        if (!c.getWorkingDir().isEmpty()) {
            return c.getWorkingDir();
        }
        return image.workingDir().isEmpty() ? "/" : image.workingDir();
    }

    /**
     * The container's capabilities; "all" (privileged, or ALL added) means all that jcri itself holds, since a
     * runtime cannot grant more (root here lacks CAP_SYS_RESOURCE, for one).
     */
    static List<String> capabilities(LinuxContainerSecurityContext sc, boolean privileged, Set<String> grantable) {
        List<String> all = OciDefaults.ALL_CAPABILITIES.stream().filter(grantable::contains).toList();
        if (privileged) {
            return all;
        }
        Capability cap = sc.getCapabilities();
        List<String> drop = cap.getDropCapabilitiesList().stream().map(SpecBuilder::capName).toList();
        List<String> add = cap.getAddCapabilitiesList().stream().map(SpecBuilder::capName).toList();
        Set<String> caps = new LinkedHashSet<>(drop.contains("CAP_ALL") ? List.of() : OciDefaults.DEFAULT_CAPABILITIES);
        if (add.contains("CAP_ALL")) {
            caps.addAll(all);
        }
        for (String a : add) {
            if (!a.equals("CAP_ALL")) {
                requireKnown(a);
                if (!grantable.contains(a)) {
                    throw CriException.invalid("capability " + a + " cannot be granted: jcri does not "
                            + "hold it on this host");
                }
                caps.add(a);
            }
        }
        drop.forEach(caps::remove);
        return List.copyOf(caps);
    }

    private static List<String> ambient(LinuxContainerSecurityContext sc) {
        return sc.getCapabilities().getAddAmbientCapabilitiesList().stream().map(SpecBuilder::capName)
                .peek(SpecBuilder::requireKnown).toList();
    }

    private static void requireKnown(String cap) {
        if (!OciDefaults.ALL_CAPABILITIES.contains(cap)) {
            throw CriException.invalid("unknown capability '" + cap + "'");
        }
    }

    private static String capName(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        return n.startsWith("CAP_") ? n : "CAP_" + n;
    }

    private Integer oomScoreAdj(LinuxContainerResources r) {
        return Math.max(node.minOomScoreAdj(), (int) r.getOomScoreAdj());
    }

    private String appArmor(LinuxContainerSecurityContext sc) {
        String explicit;
        if (sc.hasApparmor()) {
            SecurityProfile p = sc.getApparmor();
            explicit = p.getProfileType() == SecurityProfile.ProfileType.Localhost ? p.getLocalhostRef() : null;
        } else {
            String legacy = sc.getApparmorProfile();
            explicit = legacy.startsWith("localhost/") ? legacy.substring("localhost/".length()) : null;
        }
        if (explicit == null) {
            return null;
        }
        if (!node.appArmor()) {
            throw CriException.invalid("AppArmor profile '" + explicit
                    + "' requested but AppArmor is not enabled on this host");
        }
        return explicit;
    }

    private OciSpec.Seccomp seccomp(LinuxContainerSecurityContext sc, boolean privileged, List<String> caps) {
        SecurityProfile.ProfileType type;
        String localhost = "";
        if (sc.hasSeccomp()) {
            type = sc.getSeccomp().getProfileType();
            localhost = sc.getSeccomp().getLocalhostRef();
        } else {
            String legacy = sc.getSeccompProfilePath();
            if (legacy.equals("runtime/default") || legacy.equals("docker/default")) {
                type = SecurityProfile.ProfileType.RuntimeDefault;
            } else if (legacy.startsWith("localhost/")) {
                type = SecurityProfile.ProfileType.Localhost;
                localhost = legacy.substring("localhost/".length());
            } else if (legacy.isEmpty() || legacy.equals("unconfined")) {
                type = SecurityProfile.ProfileType.Unconfined;
            } else {
                throw CriException.invalid("unknown seccomp profile '" + legacy + "'");
            }
        }
        if (privileged) {
            return null;
        }
        return switch (type) {
            case RuntimeDefault -> SeccompProfiles.runtimeDefault(Set.copyOf(caps));
            case Localhost -> {
                if (!localhost.startsWith("/")) {
                    throw CriException.invalid("the Localhost seccomp profile '" + localhost
                            + "' must be an absolute path");
                }
                try {
                    yield SeccompProfiles.localhost(Path.of(localhost));
                } catch (io.jcri.oci.OciException e) {
                    throw CriException.invalid(e.getMessage());
                }
            }
            default -> null;
        };
    }

    private List<OciSpec.Namespace> namespaces(Input in) {
        SandboxRecord s = in.sandbox();
        List<OciSpec.Namespace> ns = new ArrayList<>();
        ns.add(new OciSpec.Namespace("mount", null));
        if (PodUserNamespace.own(s.config())) {
            ns.add(new OciSpec.Namespace("user", null));
        }
        NamespaceMode pid = in.config().getLinux().getSecurityContext().getNamespaceOptions().getPid();
        switch (pid) {
            case NODE -> { }
            case POD -> ns.add(new OciSpec.Namespace("pid", s.status().pidnsPath()));
            case TARGET -> {
                if (in.targetPid() <= 0) {
                    throw CriException.invalid("the target container of the PID namespace is not running");
                }
                ns.add(new OciSpec.Namespace("pid", "/proc/" + in.targetPid() + "/ns/pid"));
            }
            default -> ns.add(new OciSpec.Namespace("pid", null));
        }
        if (s.meta().netnsPath() != null) {
            ns.add(new OciSpec.Namespace("network", s.meta().netnsPath()));
        }
        if (s.meta().ipcnsPath() != null) {
            ns.add(new OciSpec.Namespace("ipc", s.meta().ipcnsPath()));
        }
        if (s.meta().utsnsPath() != null) {
            ns.add(new OciSpec.Namespace("uts", s.meta().utsnsPath()));
        }
        return ns;
    }

    private List<OciSpec.Mount> mounts(Input in, boolean privileged) {
        ContainerConfig c = in.config();
        SandboxRecord s = in.sandbox();
        Set<String> taken = new java.util.HashSet<>();
        List<OciSpec.Mount> criMounts = new ArrayList<>();
        for (Mount m : c.getMountsList()) {
            criMounts.add(bind(m));
            taken.add(clean(m.getContainerPath()));
        }
        List<OciSpec.Mount> out = new ArrayList<>();
        for (OciSpec.Mount m : OciDefaults.standardMounts(privileged)) {
            if (!taken.contains(m.destination())) {
                out.add(m);
            }
        }
        String ro = c.getLinux().getSecurityContext().getReadonlyRootfs() ? "ro" : "rw";
        addFile(out, taken, "/etc/hostname", s.meta().hostnamePath(), ro);
        addFile(out, taken, "/etc/hosts", s.meta().hostsPath(), ro);
        addFile(out, taken, "/etc/resolv.conf", s.meta().resolvConfPath(), ro);
        if (!taken.contains("/dev/shm")) {
            if (s.meta().shmPath() != null) {
                out.add(new OciSpec.Mount("/dev/shm", "bind", s.meta().shmPath(), List.of("rbind", "rprivate", "rw")));
            } else {
                out.add(new OciSpec.Mount("/dev/shm", "bind", "/dev/shm", List.of("rbind", "rprivate", "rw")));
            }
        }
        out.addAll(criMounts);
        return out;
    }

    private static void addFile(List<OciSpec.Mount> out, Set<String> taken, String dest, String source, String ro) {
        if (source != null && !source.isEmpty() && !taken.contains(dest)) {
            out.add(new OciSpec.Mount(dest, "bind", source, List.of("rbind", "rprivate", ro)));
        }
    }

    /** A CRI mount as a bind mount; an image volume's host path is its mounted image (see ImageVolumes). */
    private static OciSpec.Mount bind(Mount m) {
        if (!m.getContainerPath().startsWith("/")) {
            throw CriException.invalid("mount destination '" + m.getContainerPath()
                    + "' must be an absolute path");
        }
        if (m.getHostPath().isEmpty() || !java.nio.file.Files.exists(Path.of(m.getHostPath()))) {
            throw CriException.invalid("host path '" + m.getHostPath() + "' of the mount at "
                    + m.getContainerPath() + " does not exist");
        }
        List<String> options = new ArrayList<>(List.of("rbind"));
        options.add(switch (m.getPropagation()) {
            case PROPAGATION_BIDIRECTIONAL -> "rshared";
            case PROPAGATION_HOST_TO_CONTAINER -> "rslave";
            default -> "rprivate";
        });
        if (m.getRecursiveReadOnly()) {
            if (!m.getReadonly()) {
                throw CriException.invalid("recursive read-only mount at " + m.getContainerPath()
                        + " must also be read-only");
            }
            if (m.getPropagation() != MountPropagation.PROPAGATION_PRIVATE) {
                throw CriException.invalid("recursive read-only mount at " + m.getContainerPath()
                        + " needs private propagation");
            }
            options.add("rro");
        }
        if (!m.getImage().getImage().isEmpty()) {
            options.addAll(List.of("nosuid", "nodev", "noexec"));
        }
        options.add(m.getReadonly() ? "ro" : "rw");
        return new OciSpec.Mount(m.getContainerPath(), "bind", m.getHostPath(), options);
    }

    private static String rootfsPropagation(ContainerConfig c) {
        boolean shared = c.getMountsList().stream()
                .anyMatch(m -> m.getPropagation() == MountPropagation.PROPAGATION_BIDIRECTIONAL);
        boolean slave = c.getMountsList().stream()
                .anyMatch(m -> m.getPropagation() == MountPropagation.PROPAGATION_HOST_TO_CONTAINER);
        return shared ? "rshared" : slave ? "rslave" : null;
    }

    private static String clean(String path) {
        return Path.of(path).normalize().toString();
    }

    private List<OciSpec.Device> devices(ContainerConfig c, boolean privileged) {
        List<OciSpec.Device> out = new ArrayList<>(privileged ? hostDevices.all() : List.of());
        for (io.jcri.cri.v1.Device d : c.getDevicesList()) {
            OciSpec.Device host = hostDevices.of(d.getHostPath()).orElseThrow(() ->
                    CriException.invalid("device '" + d.getHostPath() + "' does not exist on the host"));
            out.removeIf(x -> x.path().equals(d.getContainerPath()));
            out.add(new OciSpec.Device(host.type(), d.getContainerPath(), host.major(), host.minor(),
                    host.fileMode(), host.uid(), host.gid()));
        }
        return out;
    }

    private OciSpec.Resources resources(ContainerConfig c, boolean privileged) {
        List<OciSpec.DeviceRule> rules = new ArrayList<>();
        if (privileged) {
            rules.add(new OciSpec.DeviceRule(true, "a", null, null, "rwm"));
        } else {
            rules.addAll(OciDefaults.defaultDeviceRules());
        }
        for (io.jcri.cri.v1.Device d : c.getDevicesList()) {
            hostDevices.of(d.getHostPath()).ifPresent(h -> rules.add(new OciSpec.DeviceRule(true, h.type(),
                    h.major(), h.minor(), permissions(d.getPermissions()))));
        }
        LinuxContainerResources r = c.getLinux().getResources();
        OciSpec.Resources res = ResourceMapper.toOci(r, node.cgroupV2(), node.hugetlb());
        return new OciSpec.Resources(rules, res.memory(), res.cpu(), res.pids(), res.hugepageLimits(),
                res.unified());
    }

    private static String permissions(String p) {
        return p.isEmpty() ? "rwm" : p;
    }
}
