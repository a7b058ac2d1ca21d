package io.jcri.runtime.container;

import io.jcri.cri.CriException;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.oci.spec.OciSpec;
import io.jcri.runtime.cdi.CdiRegistry;
import io.jcri.runtime.cdi.ContainerEdits;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * CDI devices for a container (kubelet's {@code CDI_devices}, and the {@code cdi.k8s.io/*} annotations older device
 * plugins set): resolved, with each device node's type and numbers looked up on the host where the spec leaves them
 * out, before anything is made; then applied to the built OCI spec as the CDI reference library applies them.
 */
final class CdiInjection {
    private static final String ANNOTATION_PREFIX = "cdi.k8s.io/";

    private final CdiRegistry registry;
    private final HostDevices hostDevices;

    CdiInjection(CdiRegistry registry, HostDevices hostDevices) {
        this.registry = registry;
        this.hostDevices = hostDevices;
    }

    /** The devices the config names, in order, each once. */
    static List<String> requested(ContainerConfig c) {
        LinkedHashSet<String> names = new LinkedHashSet<>();
        c.getCDIDevicesList().forEach(d -> names.add(d.getName()));
        c.getAnnotationsMap().entrySet().stream().filter(e -> e.getKey().startsWith(ANNOTATION_PREFIX))
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> List.of(e.getValue().split(",")).forEach(n -> {
                    if (!n.isBlank()) {
                        names.add(n.strip());
                    }
                }));
        return List.copyOf(names);
    }

    /**
     * The edits of the config's devices with every device node complete; fails naming a device that cannot be
     * resolved or a host device that does not exist.
     */
    Edits prepare(ContainerConfig c) {
        ContainerEdits e = registry.resolve(requested(c));
        List<OciSpec.Device> nodes = new ArrayList<>();
        List<OciSpec.DeviceRule> rules = new ArrayList<>();
        for (ContainerEdits.DeviceNode d : e.deviceNodes()) {
            String type = d.type() == null ? "" : d.type();
            long major = d.major() == null ? 0 : d.major();
            long minor = d.minor() == null ? 0 : d.minor();
            Integer mode = d.fileMode();
            boolean complete = !type.isEmpty() && (major != 0 || type.equals("p"));
            String hostPath = d.hostPath() == null || d.hostPath().isEmpty() ? d.path() : d.hostPath();
            var host = hostDevices.of(hostPath);
            if (host.isEmpty() && !complete) {
                throw CriException.invalid("CDI device node " + d.path() + ": host device " + hostPath
                        + " does not exist or is no block or character device");
            }
            if (host.isPresent()) {
                mode = mode != null ? mode : host.get().fileMode();
                if (!complete) {
                    if (!type.isEmpty() && !type.equals(host.get().type()) && !(type.equals("u")
                            && host.get().type().equals("c"))) {
                        throw CriException.invalid("CDI device node " + d.path() + " is of type " + type
                                + " but host device " + hostPath + " of type " + host.get().type());
                    }
                    type = type.isEmpty() ? host.get().type() : type;
                    major = host.get().major();
                    minor = host.get().minor();
                }
            }
            nodes.add(new OciSpec.Device(type, d.path(), major, minor, mode, d.uid(), d.gid()));
            String access = d.permissions() == null || d.permissions().isEmpty() ? "rwm"
                    : d.permissions().equals("none") ? "" : d.permissions();
            if (type.equals("b") || type.equals("c") || type.equals("u")) {
                rules.add(new OciSpec.DeviceRule(true, type.equals("b") ? "b" : "c", major, minor, access));
            }
        }
        return new Edits(e, nodes, rules);
    }

    /** Resolved edits, ready to apply to a spec. */
    record Edits(ContainerEdits edits, List<OciSpec.Device> devices, List<OciSpec.DeviceRule> rules) {
        /** Changes nothing. */
        static final Edits NONE = new Edits(ContainerEdits.NONE, List.of(), List.of());

        /**
         * The spec with the edits: environment set (a variable of the same name replaced), device nodes replacing
         * any at the same path (owned by the container's user when the spec names no owner) and allowed in the
         * cgroup, mounts replacing any at the same destination (all mounts then ordered parents first), hooks,
         * and additional groups.
         */
        OciSpec applyTo(OciSpec spec) {
            if (edits.isEmpty()) {
                return spec;
            }
            OciSpec.Process p = spec.process();
            List<String> env = new ArrayList<>(p.env());
            for (String kv : edits.env()) {
                String key = kv.substring(0, kv.indexOf('=') + 1);
                env.removeIf(x -> x.startsWith(key));
                env.add(kv);
            }
            List<Long> gids = new ArrayList<>(p.user().additionalGids() == null ? List.of()
                    : p.user().additionalGids());
            edits.additionalGids().stream().filter(g -> g != 0 && !gids.contains(g)).forEach(gids::add);
            OciSpec.Process process = new OciSpec.Process(p.terminal(), new OciSpec.User(p.user().uid(),
                    p.user().gid(), p.user().umask(), gids), p.args(), env, p.cwd(), p.capabilities(), p.rlimits(),
                    p.noNewPrivileges(), p.apparmorProfile(), p.oomScoreAdj(), p.selinuxLabel());

            List<OciSpec.Mount> mounts = new ArrayList<>(spec.mounts());
            for (ContainerEdits.Mount m : edits.mounts()) {
                mounts.removeIf(x -> x.destination().equals(m.containerPath()));
                mounts.add(new OciSpec.Mount(m.containerPath(), m.type() == null || m.type().isEmpty() ? null
                        : m.type(), m.hostPath(), m.options() == null ? List.of() : m.options()));
            }
            mounts.sort(Comparator.comparingInt(m -> Path.of(m.destination()).normalize().getNameCount()));

            OciSpec.Linux l = spec.linux();
            List<OciSpec.Device> devs = new ArrayList<>(l.devices() == null ? List.of() : l.devices());
            for (OciSpec.Device d : devices) {
                devs.removeIf(x -> x.path().equals(d.path()));
                devs.add(new OciSpec.Device(d.type(), d.path(), d.major(), d.minor(), d.fileMode(),
                        d.uid() != null ? d.uid() : p.user().uid() > 0 ? Long.valueOf(p.user().uid()) : null,
                        d.gid() != null ? d.gid() : p.user().gid() > 0 ? Long.valueOf(p.user().gid()) : null));
            }
            OciSpec.Resources r = l.resources();
            List<OciSpec.DeviceRule> allowed = new ArrayList<>(r.devices() == null ? List.of() : r.devices());
            allowed.addAll(rules);
            OciSpec.Linux linux = new OciSpec.Linux(l.uidMappings(), l.gidMappings(), l.sysctl(),
                    new OciSpec.Resources(allowed, r.memory(), r.cpu(), r.pids(), r.hugepageLimits(), r.unified()),
                    l.cgroupsPath(), l.namespaces(), devs, l.seccomp(), l.rootfsPropagation(), l.maskedPaths(),
                    l.readonlyPaths(), l.mountLabel());
            return new OciSpec(spec.ociVersion(), process, spec.root(), spec.hostname(), mounts, hooks(spec.hooks()),
                    spec.annotations(), linux);
        }

        private OciSpec.Hooks hooks(OciSpec.Hooks old) {
            if (edits.hooks().isEmpty()) {
                return old;
            }
            OciSpec.Hooks h = old != null ? old : new OciSpec.Hooks(List.of(), List.of(), List.of(), List.of(),
                    List.of(), List.of());
            return new OciSpec.Hooks(add(h.prestart(), "prestart"), add(h.createRuntime(), "createRuntime"),
                    add(h.createContainer(), "createContainer"), add(h.startContainer(), "startContainer"),
                    add(h.poststart(), "poststart"), add(h.poststop(), "poststop"));
        }

        private List<OciSpec.Hook> add(List<OciSpec.Hook> to, String name) {
            List<OciSpec.Hook> out = new ArrayList<>(to == null ? List.of() : to);
            Function<ContainerEdits.Hook, OciSpec.Hook> oci = h -> new OciSpec.Hook(h.path(), h.args(), h.env(),
                    h.timeout());
            edits.hooks().stream().filter(h -> h.hookName().equals(name)).map(oci).forEach(out::add);
            return out;
        }
    }
}
