package io.jcri.runtime.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.ContainerEventType;
import io.jcri.cri.v1.ContainerMetadata;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.LinuxContainerConfig;
import io.jcri.cri.v1.LinuxContainerSecurityContext;
import io.jcri.cri.v1.Mount;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.image.ImageConfig;
import io.jcri.image.ImageLease;
import io.jcri.image.ImageLeases;
import io.jcri.image.ImageRecord;
import io.jcri.oci.OciException;
import io.jcri.oci.checkpoint.Criu;
import io.jcri.oci.runtime.ContainerState;
import io.jcri.oci.runtime.OciRuntime;
import io.jcri.oci.spec.OciSpec;
import io.jcri.runtime.FakeContainerMonitor;
import io.jcri.runtime.cdi.CdiRegistry;
import io.jcri.runtime.sandbox.SandboxRecord;
import io.jcri.runtime.sandbox.SandboxState;
import io.jcri.runtime.state.StateStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * CreateContainer step by step against fake images, mounter, monitor and runtime (no root, no overlay, no conmon):
 * a failure at each step undoes what the steps before it made, newest first, and surfaces with its kind; an undo
 * that fails does not stop the others and keeps the container's directory (no record) for the next start.
 * Every fake writes what it is asked into one journal, so the order of the undos is seen as it happened.
 */
class ContainerCreatorTest {
    private static final String IMAGE = "docker.io/library/app:1";
    private static final String VOLUME_IMAGE = "docker.io/library/data:1";
    private static final long NOW = 1_000_000_000L;

    @TempDir
    Path tmp;
    private StateStore<ContainerRecord> store;
    private final List<String> journal = new ArrayList<>();
    private final List<ContainerEventType> events = new ArrayList<>();
    private final FakeImages images = new FakeImages();
    private final FakeMounter mounter = new FakeMounter();
    private FakeContainerMonitor monitor;
    private final FakeRuntime runtime = new FakeRuntime();
    private ContainerCreator creator;
    private SandboxRecord sandbox;
    /** The request of a table row, which the row's arming may add to. */
    private ContainerConfig.Builder request;

    @BeforeEach
    void setUp() {
        store = StateStore.open(tmp.resolve("containers"), ContainerRecord.SHAPE);
        monitor = new FakeContainerMonitor(tmp, NOW, journal::add);
        images.put(IMAGE, new ImageConfig(List.of("/app"), List.of(), List.of(), "", "", "", Map.of(), List.of(),
                List.of()));
        images.put(VOLUME_IMAGE, new ImageConfig(List.of(), List.of(), List.of(), "", "", "", Map.of(), List.of(),
                List.of()));
        SpecBuilder specs = new SpecBuilder(new SpecBuilder.NodeSettings(0, List.of(), false, false, false,
                Set.of("CAP_CHOWN")), new SpecBuilderTest.NoDevices());
        creator = new ContainerCreator(store, images, monitor, specs, mounter,
                new CdiInjection(new CdiRegistry(List.of()), new SpecBuilderTest.NoDevices()), () -> NOW,
                (id, sandboxId, type, at) -> events.add(type), Criu.unavailable("no CRIU in unit tests"));
        sandbox = new SandboxRecord(new SandboxRecord.Meta("sb1", "pod", "ns", "uid", 0, 1, Map.of(), Map.of(),
                PodSandboxConfig.getDefaultInstance().toByteArray(), "runc", "/run/jcri/netns/sb1", "", "",
                "podhost", "", "", "", "", "/jcri/pod-sb1", tmp.resolve("logs").toString()),
                new SandboxRecord.Status(SandboxState.READY, "10.88.0.2", List.of(), 42, "/proc/42/ns/pid"));
    }

    private static ContainerConfig.Builder config() {
        return ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("app").setAttempt(1))
                .setImage(ImageSpec.newBuilder().setImage(IMAGE)).setLogPath("app/0.log");
    }

    private String create(ContainerConfig.Builder c) {
        return creator.create(sandbox, runtime, c.build(), 0);
    }

    @Test
    void aCreateMountsRecordsAndAnnouncesTheContainer() throws IOException {
        String id = create(config());
        assertThat(journal).containsExactly("lease " + IMAGE, "mount rootfs", "release " + IMAGE,
                "monitor create app");
        ContainerRecord r = store.get(id).orElseThrow();
        assertThat(r.state()).isEqualTo(ContainerRecord.State.CREATED);
        assertThat(r.status().pid()).isEqualTo(FakeContainerMonitor.PID);
        assertThat(r.meta().name()).isEqualTo("app");
        assertThat(r.meta().logPath()).isEqualTo(tmp.resolve("logs/app/0.log").toString());
        assertThat(r.meta().stopSignal()).isEqualTo(Signals.SIGTERM);
        assertThat(Files.readString(store.dirOf(id).resolve("config.json"))).contains("/app");
        assertThat(events).containsExactly(ContainerEventType.CONTAINER_CREATED_EVENT);
    }

    /**
     * One row a step: how the step is made to fail, the kind and message the caller sees, and everything the fakes
     * are asked, in order: the steps up to the failing one, then the undos of those before it, newest first. Every
     * undo succeeds, so nothing of the container is left.
     */
    static Stream<Arguments> steps() {
        String lease = "lease " + IMAGE;
        String mount = "mount rootfs";
        String release = "release " + IMAGE;
        return Stream.of(
                step("the image lease", ErrorKind.NOT_FOUND, "image " + IMAGE,
                        List.of(),
                        t -> t.images.records.remove(IMAGE)),
                step("the rootfs mount", ErrorKind.INTERNAL, "mounting the rootfs of container app failed",
                        List.of(lease, mount, release),
                        t -> t.mounter.mountFails = true),
                step("an image volume's lease", ErrorKind.NOT_FOUND, "image volume at /data is not on this node",
                        List.of(lease, mount, release, "unmount"),
                        t -> t.request.addMounts(Mount.newBuilder().setContainerPath("/data")
                                .setImage(ImageSpec.newBuilder().setImage("docker.io/library/absent:1")))),
                step("an image volume's mount", ErrorKind.INTERNAL, "volume overlay refused",
                        List.of(lease, mount, release, "lease " + VOLUME_IMAGE, "release " + VOLUME_IMAGE, "unmount"),
                        t -> {
                            t.mounter.volumeFails = true;
                            t.request.addMounts(Mount.newBuilder().setContainerPath("/data")
                                    .setImage(ImageSpec.newBuilder().setImage(VOLUME_IMAGE)));
                        }),
                step("the user lookup", ErrorKind.INVALID_ARGUMENT, "not in the container's /etc/passwd",
                        List.of(lease, mount, release, "unmount"),
                        t -> t.request.setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
                                LinuxContainerSecurityContext.newBuilder().setRunAsUsername("nobody-here")))),
                step("the spec", ErrorKind.INVALID_ARGUMENT, "has no command",
                        List.of(lease, mount, release, "unmount"),
                        t -> t.images.put(IMAGE, new ImageConfig(List.of(), List.of(), List.of(), "", "", "",
                                Map.of(), List.of(), List.of()))),
                step("writing config.json", ErrorKind.INTERNAL, "config.json",
                        List.of(lease, mount, release, "unmount"),
                        t -> t.mounter.onMount = dir -> blockWithADirectory(dir.resolve("config.json"))),
                step("the monitor's create", ErrorKind.INTERNAL, "conmon refused",
                        List.of(lease, mount, release, "monitor create app", "runtime delete", "monitor forget",
                                "unmount"),
                        t -> t.monitor.failCreates()),
                step("the record", ErrorKind.INTERNAL, "cannot write the record",
                        List.of(lease, mount, release, "monitor create app", "runtime delete", "monitor forget",
                                "unmount"),
                        t -> t.monitor.onCreate(dir -> blockWithADirectory(dir.resolve("meta.json")))));
    }

    private static Arguments step(String step, ErrorKind kind, String message, List<String> journal,
                                  Consumer<ContainerCreatorTest> fail) {
        return Arguments.of(step, kind, message, journal, fail);
    }

    @ParameterizedTest(name = "a failure at {0} undoes the steps before it, newest first")
    @MethodSource("steps")
    void aFailedStepUndoesEveryStepBeforeItNewestFirst(String step, ErrorKind kind, String message,
                                                       List<String> expected, Consumer<ContainerCreatorTest> fail) {
        request = config();
        fail.accept(this);
        assertThatThrownBy(() -> create(request)).isInstanceOfSatisfying(CriException.class, e -> {
            assertThat(e.kind()).isEqualTo(kind);
            assertThat(e.getMessage()).contains(message);
        });
        assertThat(journal).as(step).containsExactlyElementsOf(expected);
        assertThat(store.all()).isEmpty();
        assertThat(containerDirs()).as("the directory goes last, once all is undone").isEmpty();
        assertThat(events).isEmpty();
    }

    @Test
    void anUndoThatFailsKeepsTheDirectoryWithoutARecordAndTheOtherUndosStillRun() {
        monitor.failCreates();
        mounter.unmountFails = true;
        assertThatThrownBy(() -> create(config())).isInstanceOfSatisfying(CriException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.INTERNAL);
            assertThat(e.getMessage()).contains("creating container app failed", "conmon refused");
            // the undo's failure is recorded on the step's own failure, which the CriException wraps
            assertThat(e.getCause().getSuppressed()).extracting(Throwable::getMessage)
                    .containsExactly("unmount refused");
        });
        assertThat(journal).endsWith("runtime delete", "monitor forget", "unmount");
        assertThat(store.all()).isEmpty();
        assertThat(containerDirs()).as("a rootfs that may still be mounted keeps its directory").hasSize(1);
        assertThat(store.orphans()).as("the next start removes it as half-made").isEqualTo(containerIds());
    }

    @Test
    void aFailedUndoDoesNotStopTheOlderOnes() {
        monitor.failCreates();
        runtime.deleteFails = true;
        assertThatThrownBy(() -> create(config())).isInstanceOfSatisfying(CriException.class,
                e -> assertThat(e.getCause().getSuppressed()).extracting(Throwable::getMessage)
                        .containsExactly("runtime delete refused"));
        assertThat(journal).endsWith("runtime delete", "monitor forget", "unmount");
        assertThat(containerDirs()).hasSize(1);
        assertThat(store.orphans()).isEqualTo(containerIds());
    }

    @Test
    void aLogPathLeavingTheLogDirectoryIsRefusedBeforeAnythingIsMade() {
        assertThatThrownBy(() -> create(config().setLogPath("../../x.log"))).isInstanceOfSatisfying(
                CriException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains("leaves the log directory");
                });
        assertThat(journal).isEmpty();
        assertThat(containerDirs()).isEmpty();
    }

    @Test
    void aRecursiveReadOnlyMountTheRuntimeCannotMakeIsRefusedBeforeAnythingIsMade() {
        runtime.recursiveReadOnly = Optional.of("kernel too old");
        assertThatThrownBy(() -> create(config().addMounts(Mount.newBuilder().setContainerPath("/ro")
                .setHostPath(tmp.toString()).setReadonly(true).setRecursiveReadOnly(true))))
                .isInstanceOfSatisfying(CriException.class,
                        e -> assertThat(e.getMessage()).contains("kernel too old"));
        assertThat(journal).isEmpty();
        assertThat(containerDirs()).isEmpty();
    }

    @Test
    void aCheckpointArchiveThatCannotBeReadIsInvalidAndLeavesNothing() throws IOException {
        Path archive = Files.writeString(tmp.resolve("checkpoint.tar"), "not a tar archive");
        assertThatThrownBy(() -> create(config().setImage(ImageSpec.newBuilder().setImage(archive.toString()))))
                .isInstanceOfSatisfying(CriException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains("is not a checkpoint that can be restored");
                });
        assertThat(journal).isEmpty();
        assertThat(containerDirs()).as("the unpacked part goes with the directory").isEmpty();
    }

    private List<Path> containerDirs() {
        try (Stream<Path> s = Files.list(tmp.resolve("containers"))) {
            return s.toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> containerIds() {
        return containerDirs().stream().map(p -> p.getFileName().toString()).toList();
    }

    /** A non-empty directory where a file is to be renamed: the rename fails, even for root. */
    private static void blockWithADirectory(Path p) {
        try {
            Files.createDirectories(p.resolve("in-the-way"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Images by reference; a lease and its release go to the journal. */
    private final class FakeImages implements ImageLeases {
        final Map<String, ImageRecord> records = new java.util.HashMap<>();

        void put(String ref, ImageConfig config) {
            records.put(ref, new ImageRecord("sha256:" + "a".repeat(64), List.of(ref), List.of(), 1, config,
                    List.of("sha256:" + "b".repeat(64)), List.of(), false, Map.of()));
        }

        @Override
        public Optional<ImageRecord> find(String reference) {
            return Optional.ofNullable(records.get(reference));
        }

        @Override
        public ImageLease lease(String reference) {
            ImageRecord r = find(reference).orElseThrow(() -> CriException.notFound("image " + reference));
            journal.add("lease " + reference);
            return new ImageLease(r, List.of(tmp.resolve("layers")), () -> journal.add("release " + reference));
        }
    }

    /** Makes {@code rootfs/} as the overlay would; fails where it is told to. */
    private final class FakeMounter implements RootfsMounter {
        boolean mountFails;
        boolean volumeFails;
        boolean unmountFails;
        Consumer<Path> onMount = dir -> { };

        @Override
        public Path mount(Path containerDir, List<Path> layers) {
            journal.add("mount rootfs");
            if (mountFails) {
                throw new OciException("overlay refused");
            }
            try {
                Files.createDirectories(containerDir.resolve("rootfs"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            onMount.accept(containerDir);
            return containerDir.resolve("rootfs");
        }

        @Override
        public Path mountImageVolume(Path containerDir, int index, List<Path> layers) {
            if (volumeFails) {
                throw new OciException("volume overlay refused");
            }
            throw new AssertionError("no image volume is mounted here");
        }

        @Override
        public void unmount(Path containerDir) {
            journal.add("unmount");
            if (unmountFails) {
                throw new OciException("unmount refused");
            }
        }
    }

    /** The OCI runtime: only its delete (an undo) and its recursive read-only support are used by a create. */
    private final class FakeRuntime implements OciRuntime {
        boolean deleteFails;
        Optional<String> recursiveReadOnly = Optional.empty();

        @Override
        public String handler() {
            return "runc";
        }

        @Override
        public Optional<String> recursiveReadOnlyProblem() {
            return recursiveReadOnly;
        }

        @Override
        public Path executable() {
            throw new AssertionError("conmon, faked here, runs the runtime");
        }

        @Override
        public List<String> globalArgs() {
            throw new AssertionError("conmon, faked here, runs the runtime");
        }

        @Override
        public Optional<String> problem() {
            throw new AssertionError("the service checks the handler before a create");
        }

        @Override
        public void delete(String id) {
            journal.add("runtime delete");
            if (deleteFails) {
                throw new OciException("runtime delete refused");
            }
        }

        @Override
        public void start(String id) {
            throw new AssertionError();
        }

        @Override
        public Optional<ContainerState> state(String id) {
            throw new AssertionError();
        }

        @Override
        public void kill(String id, int signal, boolean all) {
            throw new AssertionError();
        }

        @Override
        public void checkpoint(String id, Path imageDir, Path workDir, Map<String, String> env, Duration timeout) {
            throw new AssertionError();
        }

        @Override
        public void resume(String id) {
            throw new AssertionError();
        }

        @Override
        public void update(String id, OciSpec.Resources resources) {
            throw new AssertionError();
        }
    }
}
