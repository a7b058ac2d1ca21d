package io.jcri.runtime.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.Capability;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.ContainerMetadata;
import io.jcri.cri.v1.Int64Value;
import io.jcri.cri.v1.KeyValue;
import io.jcri.cri.v1.LinuxContainerConfig;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.cri.v1.LinuxContainerSecurityContext;
import io.jcri.cri.v1.LinuxPodSandboxConfig;
import io.jcri.cri.v1.LinuxSandboxSecurityContext;
import io.jcri.cri.v1.Mount;
import io.jcri.cri.v1.MountPropagation;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.NamespaceOption;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.SecurityProfile;
import io.jcri.image.ImageConfig;
import io.jcri.oci.spec.OciDefaults;
import io.jcri.oci.spec.OciSpec;
import io.jcri.oci.spec.OciSpecJson;
import io.jcri.runtime.sandbox.SandboxRecord;
import io.jcri.runtime.sandbox.SandboxState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecBuilderTest {
    private static final ImageConfig IMAGE = new ImageConfig(List.of("/entry"), List.of("default-cmd"),
            List.of("PATH=/image/bin", "FROM_IMAGE=1", "SHARED=image"), "/image-wd", "", "SIGQUIT", Map.of(),
            List.of(), List.of());
    /** A host like this one: root without CAP_SYS_RESOURCE. */
    private static final java.util.Set<String> GRANTABLE = OciDefaults.ALL_CAPABILITIES.stream()
            .filter(c -> !c.equals("CAP_SYS_RESOURCE")).collect(java.util.stream.Collectors.toSet());
    private static final UserResolver.ResolvedUser ROOT = new UserResolver.ResolvedUser(0, 0, List.of(0L));

    @TempDir
    Path tmp;

    private final SpecBuilder builder = new SpecBuilder(new SpecBuilder.NodeSettings(0,
            List.of(new OciSpec.Rlimit("RLIMIT_NOFILE", 1024, 1024)), false, false, true, GRANTABLE), new NoDevices());

    /** Tests never look at the host's /dev. */
    static final class NoDevices extends HostDevices {
        @Override
        public Optional<OciSpec.Device> of(String path) {
            return path.equals("/dev/null") ? Optional.of(new OciSpec.Device("c", path, 1, 3, 0666, 0L, 0L))
                    : Optional.empty();
        }

        @Override
        public List<OciSpec.Device> all() {
            return List.of(new OciSpec.Device("c", "/dev/null", 1, 3, 0666, 0L, 0L));
        }
    }

    private static SandboxRecord sandbox(boolean privileged) {
        PodSandboxConfig pc = PodSandboxConfig.newBuilder().setLinux(LinuxPodSandboxConfig.newBuilder()
                .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setPrivileged(privileged))).build();
        return sandbox(pc, "runc");
    }

    private static SandboxRecord sandbox(PodSandboxConfig pc, String handler) {
        return new SandboxRecord(new SandboxRecord.Meta("sb1", "pod", "ns", "uid", 0, 1, Map.of(), Map.of(),
                pc.toByteArray(), handler, "/run/jcri/netns/sb1", "/run/jcri/ipcns/sb1", "/run/jcri/utsns/sb1",
                "podhost", "/p/hostname", "/p/hosts", "/p/resolv.conf", "/run/jcri/shm/sb1", "/jcri/pod-sb1",
                "/var/log/pods/x"),
                new SandboxRecord.Status(SandboxState.READY, "10.88.0.2", List.of(), 42, "/proc/42/ns/pid"));
    }

    private static ContainerConfig.Builder config() {
        return ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("c"));
    }

    private OciSpec build(ContainerConfig.Builder c) {
        return build(c, false);
    }

    private OciSpec build(ContainerConfig.Builder c, boolean privilegedPod) {
        return builder.build(new SpecBuilder.Input("cid", c.build(), sandbox(privilegedPod), IMAGE, tmp.resolve("rootfs"),
                "/jcri/pod-sb1/cid", ROOT, 0));
    }

    private static ContainerConfig.Builder withSecurity(LinuxContainerSecurityContext.Builder sc) {
        return config().setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(sc));
    }

    @Test
    void aPodUserNamespaceGivesTheContainerANewUserNamespaceWithThePodMappingsAndNoHostname() {
        io.jcri.cri.v1.IDMapping map = io.jcri.cri.v1.IDMapping.newBuilder().setHostId(1000).setLength(100000)
                .build();
        PodSandboxConfig pc = PodSandboxConfig.newBuilder().setLinux(LinuxPodSandboxConfig.newBuilder()
                .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                        NamespaceOption.newBuilder().setUsernsOptions(io.jcri.cri.v1.UserNamespace
                                .newBuilder().setMode(NamespaceMode.POD).addUids(map).addGids(map))))).build();
        SandboxRecord userns = sandbox(pc, "crun");
        OciSpec spec = builder.build(new SpecBuilder.Input("cid", config().build(), userns, IMAGE,
                tmp.resolve("rootfs"), "/jcri/pod-sb1/cid", ROOT, 0));
        assertThat(spec.linux().namespaces()).contains(new OciSpec.Namespace("user", null));
        assertThat(spec.linux().uidMappings()).containsExactly(new OciSpec.IdMapping(0, 1000, 100000));
        assertThat(spec.linux().gidMappings()).containsExactly(new OciSpec.IdMapping(0, 1000, 100000));
        assertThat(spec.hostname()).isNull();
        OciSpec plain = build(config());
        assertThat(plain.linux().namespaces()).extracting(OciSpec.Namespace::type).doesNotContain("user");
        assertThat(plain.linux().uidMappings()).isNull();
        assertThat(plain.hostname()).isEqualTo("podhost");
    }

    @Test
    void commandAndArgsFollowKubernetesRules() {
        assertThat(build(config()).process().args()).containsExactly("/entry", "default-cmd");
        assertThat(build(config().addArgs("a")).process().args()).containsExactly("/entry", "a");
        assertThat(build(config().addCommand("/bin/x")).process().args()).containsExactly("/bin/x");
        assertThat(build(config().addCommand("/bin/x").addArgs("y")).process().args()).containsExactly("/bin/x", "y");
        ImageConfig empty = new ImageConfig(null, null, null, null, null, null, null, null, null);
        assertThatThrownBy(() -> builder.build(new SpecBuilder.Input("cid", config().build(), sandbox(false), empty,
                tmp, "/x", ROOT, 0))).isInstanceOf(CriException.class).hasMessageContaining("no command");
    }

    @Test
    void environmentComesFromTheImageWithTheConfigWinning() {
        OciSpec spec = build(config().addEnvs(KeyValue.newBuilder().setKey("SHARED")
                .setValue(ByteString.copyFromUtf8("config"))));
        assertThat(spec.process().env()).containsExactly("PATH=/image/bin", "FROM_IMAGE=1", "SHARED=config");
        ImageConfig noPath = new ImageConfig(List.of("x"), null, List.of("A=1"), null, null, null, null, null, null);
        OciSpec spec2 = builder.build(new SpecBuilder.Input("cid", config().build(), sandbox(false), noPath, tmp,
                "/x", ROOT, 0));
        assertThat(spec2.process().env()).containsExactly(OciDefaults.DEFAULT_PATH, "A=1");
    }

    @Test
    void workingDirIsConfigThenImageThenRoot() {
        assertThat(build(config().setWorkingDir("/w")).process().cwd()).isEqualTo("/w");
        assertThat(build(config()).process().cwd()).isEqualTo("/image-wd");
    }

    @Test
    void capabilitiesAddAndDropOverTheDefaultSet() {
        OciSpec spec = build(withSecurity(LinuxContainerSecurityContext.newBuilder().setCapabilities(
                Capability.newBuilder().addAddCapabilities("SYS_ADMIN").addDropCapabilities("CAP_CHOWN"))));
        assertThat(spec.process().capabilities().bounding()).contains("CAP_SYS_ADMIN", "CAP_KILL")
                .doesNotContain("CAP_CHOWN");
        OciSpec none = build(withSecurity(LinuxContainerSecurityContext.newBuilder().setCapabilities(
                Capability.newBuilder().addDropCapabilities("ALL").addAddCapabilities("NET_ADMIN"))));
        assertThat(none.process().capabilities().effective()).containsExactly("CAP_NET_ADMIN");
        OciSpec all = build(withSecurity(LinuxContainerSecurityContext.newBuilder().setCapabilities(
                Capability.newBuilder().addAddCapabilities("ALL").addDropCapabilities("SYS_TIME"))));
        assertThat(all.process().capabilities().permitted()).hasSize(OciDefaults.ALL_CAPABILITIES.size() - 2)
                .doesNotContain("CAP_SYS_RESOURCE", "CAP_SYS_TIME");
        assertThatThrownBy(() -> build(withSecurity(LinuxContainerSecurityContext.newBuilder().setCapabilities(
                Capability.newBuilder().addAddCapabilities("SYS_RESOURCE"))))).hasMessageContaining("cannot be granted");
    }

    @Test
    void privilegedGetsEverythingAndNeedsAPrivilegedPod() {
        ContainerConfig.Builder c = withSecurity(LinuxContainerSecurityContext.newBuilder().setPrivileged(true)
                .setSeccomp(SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.RuntimeDefault)));
        assertThatThrownBy(() -> build(c)).hasMessageContaining("privileged pod");
        OciSpec spec = build(c, true);
        assertThat(spec.process().capabilities().bounding()).hasSize(GRANTABLE.size())
                .doesNotContain("CAP_SYS_RESOURCE");
        assertThat(spec.linux().maskedPaths()).isEmpty();
        assertThat(spec.linux().readonlyPaths()).isEmpty();
        assertThat(spec.linux().seccomp()).isNull();
        assertThat(spec.linux().devices()).extracting(OciSpec.Device::path).contains("/dev/null");
        assertThat(spec.mounts()).filteredOn(m -> m.destination().equals("/sys")).first()
                .extracting(OciSpec.Mount::options).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
                .contains("rw");
    }

    @Test
    void maskedAndReadonlyPathsAreTheConfigsEmptyListsIncluded() {
        OciSpec unmasked = build(config());
        assertThat(unmasked.linux().maskedPaths()).as("procMount Unmasked").isEmpty();
        assertThat(unmasked.linux().readonlyPaths()).as("procMount Unmasked").isEmpty();
        OciSpec spec = build(withSecurity(LinuxContainerSecurityContext.newBuilder().addMaskedPaths("/proc/x")
                .addReadonlyPaths("/proc/y")));
        assertThat(spec.linux().maskedPaths()).containsExactly("/proc/x");
        assertThat(spec.linux().readonlyPaths()).containsExactly("/proc/y");
    }

    @Test
    void seccompProfiles() throws Exception {
        assertThat(build(config()).linux().seccomp()).as("no profile given: unconfined").isNull();
        OciSpec.Seccomp def = build(withSecurity(LinuxContainerSecurityContext.newBuilder().setSeccomp(
                SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.RuntimeDefault))))
                .linux().seccomp();
        assertThat(def.defaultAction()).isEqualTo("SCMP_ACT_ERRNO");
        assertThat(def.syscalls().stream().flatMap(s -> s.names().stream())).contains("read")
                .doesNotContain("unshare", "mount", "reboot");
        OciSpec.Seccomp admin = build(withSecurity(LinuxContainerSecurityContext.newBuilder()
                .setCapabilities(Capability.newBuilder().addAddCapabilities("SYS_ADMIN"))
                .setSeccompProfilePath("runtime/default"))).linux().seccomp();
        assertThat(admin.syscalls().stream().flatMap(s -> s.names().stream())).contains("unshare", "mount");
        Path profile = tmp.resolve("profile.json");
        Files.writeString(profile, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
                + "\"action\":\"SCMP_ACT_ERRNO\"}]}");
        OciSpec.Seccomp local = build(withSecurity(LinuxContainerSecurityContext.newBuilder().setSeccomp(
                SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.Localhost)
                        .setLocalhostRef(profile.toString())))).linux().seccomp();
        assertThat(local.defaultAction()).isEqualTo("SCMP_ACT_ALLOW");
        assertThatThrownBy(() -> build(withSecurity(LinuxContainerSecurityContext.newBuilder().setSeccomp(
                SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.Localhost)
                        .setLocalhostRef(tmp.resolve("missing.json").toString())))))
                .isInstanceOf(CriException.class);
    }

    @Test
    void appArmorProfileIsRefusedWithoutAppArmor() {
        assertThatThrownBy(() -> build(withSecurity(LinuxContainerSecurityContext.newBuilder().setApparmor(
                SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.Localhost)
                        .setLocalhostRef("my-profile")))))
                .isInstanceOf(CriException.class).hasMessageContaining("AppArmor is not enabled");
        assertThat(build(withSecurity(LinuxContainerSecurityContext.newBuilder().setApparmor(SecurityProfile
                .newBuilder().setProfileType(SecurityProfile.ProfileType.RuntimeDefault)))).process()
                .apparmorProfile()).isNull();
    }

    @Test
    void namespacesFollowTheSandboxAndPidMode() {
        assertThat(build(config()).linux().namespaces()).containsExactly(new OciSpec.Namespace("mount", null),
                new OciSpec.Namespace("pid", "/proc/42/ns/pid"),
                new OciSpec.Namespace("network", "/run/jcri/netns/sb1"),
                new OciSpec.Namespace("ipc", "/run/jcri/ipcns/sb1"), new OciSpec.Namespace("uts", "/run/jcri/utsns/sb1"));
        assertThat(build(withSecurity(LinuxContainerSecurityContext.newBuilder().setNamespaceOptions(
                NamespaceOption.newBuilder().setPid(NamespaceMode.CONTAINER)))).linux().namespaces())
                .contains(new OciSpec.Namespace("pid", null));
        assertThat(build(withSecurity(LinuxContainerSecurityContext.newBuilder().setNamespaceOptions(
                NamespaceOption.newBuilder().setPid(NamespaceMode.NODE)))).linux().namespaces())
                .noneMatch(n -> n.type().equals("pid"));
    }

    @Test
    void mountsBindTheSandboxFilesAndCheckHostPaths() throws Exception {
        Path vol = Files.createDirectories(tmp.resolve("vol"));
        OciSpec spec = build(config().addMounts(Mount.newBuilder().setContainerPath("/data")
                .setHostPath(vol.toString()).setReadonly(true).setPropagation(MountPropagation.PROPAGATION_BIDIRECTIONAL))
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
                        LinuxContainerSecurityContext.newBuilder().setReadonlyRootfs(true))));
        assertThat(spec.mounts()).contains(
                new OciSpec.Mount("/etc/hosts", "bind", "/p/hosts", List.of("rbind", "rprivate", "ro")),
                new OciSpec.Mount("/dev/shm", "bind", "/run/jcri/shm/sb1", List.of("rbind", "rprivate", "rw")),
                new OciSpec.Mount("/data", "bind", vol.toString(), List.of("rbind", "rshared", "ro")));
        assertThat(spec.linux().rootfsPropagation()).isEqualTo("rshared");
        assertThat(spec.root().readonly()).isTrue();
        assertThatThrownBy(() -> build(config().addMounts(Mount.newBuilder().setContainerPath("/x")
                .setHostPath(tmp.resolve("nope").toString()))))
                .isInstanceOfSatisfying(CriException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
        OciSpec own = build(config().addMounts(Mount.newBuilder().setContainerPath("/etc/hosts")
                .setHostPath(vol.toString())));
        assertThat(own.mounts()).filteredOn(m -> m.destination().equals("/etc/hosts")).hasSize(1);
    }

    @Test
    void resourcesAndOomScoreAreMappedAndClamped() {
        SpecBuilder clamped = new SpecBuilder(new SpecBuilder.NodeSettings(100, List.of(), false, false, true,
                GRANTABLE), new NoDevices());
        OciSpec spec = clamped.build(new SpecBuilder.Input("cid", config().setLinux(LinuxContainerConfig.newBuilder()
                .setResources(LinuxContainerResources.newBuilder().setCpuShares(512).setCpuQuota(20000)
                        .setCpuPeriod(100000).setMemoryLimitInBytes(1 << 26).setOomScoreAdj(-5)
                        .setCpusetCpus("0"))).build(), sandbox(false), IMAGE, tmp, "/x", ROOT, 0));
        assertThat(spec.process().oomScoreAdj()).isEqualTo(100);
        assertThat(spec.linux().resources().cpu()).isEqualTo(new OciSpec.Cpu(512L, 20000L, 100000L, "0", null));
        assertThat(spec.linux().resources().memory().limit()).isEqualTo(1L << 26);
        assertThatThrownBy(() -> build(config().setLinux(LinuxContainerConfig.newBuilder().setResources(
                LinuxContainerResources.newBuilder().putUnified("memory.max", "1")))))
                .hasMessageContaining("cgroup v2");
    }

    @Test
    void hugepageLimitsAreKeptOnlyWhereTheHostHasAUsableHugetlbController() {
        // kubelet sends a limit (0 when unrequested) for every page size the kernel offers.
        LinuxContainerResources r = LinuxContainerResources.newBuilder()
                .addHugepageLimits(io.jcri.cri.v1.HugepageLimit.newBuilder().setPageSize("2MB").setLimit(0)).build();

        assertThat(ResourceMapper.toOci(r, false, true).hugepageLimits())
                .containsExactly(new OciSpec.HugepageLimit("2MB", 0));
        assertThat(ResourceMapper.toOci(r, false, false).hugepageLimits()).isNull();
    }

    @Test
    void jsonLeavesOutUnsetFields() {
        String json = new String(OciSpecJson.write(build(config())), StandardCharsets.UTF_8);
        assertThat(json).contains("\"ociVersion\"", "\"cgroupsPath\" : \"/jcri/pod-sb1/cid\"")
                .doesNotContain("null", "apparmorProfile", "selinuxLabel");
        assertThat(OciSpecJson.read(json.getBytes(StandardCharsets.UTF_8)).process().args())
                .containsExactly("/entry", "default-cmd");
    }

    @Test
    void stopSignalNamesAndNumbers() {
        assertThat(Signals.parse("SIGQUIT")).isEqualTo(3);
        assertThat(Signals.parse("TERM")).isEqualTo(15);
        assertThat(Signals.parse("RTMIN+3")).isEqualTo(37);
        assertThat(Signals.of(io.jcri.cri.v1.Signal.SIGNAL_SIGUSR1)).isEqualTo(10);
        assertThat(Signals.toCri(15)).isEqualTo(io.jcri.cri.v1.Signal.SIGNAL_SIGTERM);
        assertThatThrownBy(() -> Signals.parse("SIGNOPE")).isInstanceOf(CriException.class);
        // An image's STOPSIGNAL is hostile: numbers out of range are refused, not a NumberFormatException.
        for (String bad : List.of("99999999999", "65", "RTMIN+99999999999", "RTMIN+31")) {
            assertThatThrownBy(() -> Signals.parse(bad)).as(bad).isInstanceOf(CriException.class);
        }
    }

    @Test
    void userIdsComeFromTheConfig() {
        UserResolver r = new UserResolver("root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n",
                "root:x:0:\nwheel:x:10:root,app\napp:x:1001:\nextra:x:2000:app\n");
        assertThat(r.resolve("", null, null, "", List.of(), false))
                .isEqualTo(new UserResolver.ResolvedUser(0, 0, List.of(0L, 10L)));
        assertThat(r.resolve("app", null, null, "", List.of(5L), false))
                .isEqualTo(new UserResolver.ResolvedUser(1000, 1001, List.of(1001L, 10L, 2000L, 5L)));
        assertThat(r.resolve("", 1000L, 7L, "", List.of(5L), true))
                .isEqualTo(new UserResolver.ResolvedUser(1000, 7, List.of(7L, 5L)));
        assertThat(r.resolve("", null, null, "app:extra", List.of(), false).gid()).isEqualTo(2000);
        assertThatThrownBy(() -> r.resolve("", null, 5L, "", List.of(), false)).hasMessageContaining("run_as_group");
        assertThat(r.resolve("", null, null, "4242", List.of(), false))
                .isEqualTo(new UserResolver.ResolvedUser(4242, 0, List.of(0L)));
        assertThatThrownBy(() -> r.resolve("ghost", null, null, "", List.of(), false))
                .isInstanceOf(CriException.class);
        // Ids in an image that do not fit a uid are refused as bad input, not a NumberFormatException.
        assertThatThrownBy(() -> r.resolve("", null, null, "99999999999999999999", List.of(), false))
                .isInstanceOf(CriException.class);
        assertThatThrownBy(() -> r.resolve("", null, null, "0:99999999999999999999", List.of(), false))
                .isInstanceOf(CriException.class);
        UserResolver huge = new UserResolver("big:x:99999999999999999999:0::/:/bin/sh\n",
                "big:x:99999999999999999999:\n");
        assertThatThrownBy(() -> huge.resolve("big", null, null, "", List.of(), false))
                .isInstanceOf(CriException.class);
    }

    @Test
    void userFilesAreReadInsideTheRootfsOnly() throws Exception {
        Path rootfs = Files.createDirectories(tmp.resolve("r"));
        Files.createDirectories(rootfs.resolve("etc"));
        Path outside = Files.writeString(tmp.resolve("host-passwd"), "evil:x:0:0::/:/bin/sh\n");
        Files.createSymbolicLink(rootfs.resolve("etc/passwd"), Path.of("../../host-passwd"));
        Files.writeString(rootfs.resolve("host-passwd"), "inside:x:5:5::/:/bin/sh\n");
        UserResolver r = UserResolver.of(rootfs);
        assertThat(r.resolve("inside", null, null, "", List.of(), false).uid()).isEqualTo(5);
        assertThat(Files.exists(outside)).isTrue();
        assertThatThrownBy(() -> r.resolve("evil", null, null, "", List.of(), false))
                .isInstanceOf(CriException.class);
        assertThat(r.resolve("", Int64Value.newBuilder().setValue(5).build().getValue(), null, "", List.of(), false)
                .gid()).isEqualTo(5);
    }
}
