package io.jcri.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.jcri.cni.CniConfigLoader;
import io.jcri.cni.CniInvoker;
import io.jcri.cni.CniResultCache;
import io.jcri.cni.NetworkAttacher;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.ContainerMetadata;
import io.jcri.cri.v1.ContainerStatusRequest;
import io.jcri.cri.v1.CreateContainerRequest;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.ListPodSandboxResponse;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxMetadata;
import io.jcri.cri.v1.RemoveContainerRequest;
import io.jcri.cri.v1.RemoveContainerResponse;
import io.jcri.cri.v1.RunPodSandboxRequest;
import io.jcri.cri.v1.RuntimeServiceGrpc;
import io.jcri.cri.v1.StopPodSandboxRequest;
import io.jcri.cri.v1.StopPodSandboxResponse;
import io.jcri.cri.v1.VersionRequest;
import io.jcri.cri.v1.VersionResponse;
import io.jcri.image.ImageLeases;
import io.jcri.oci.OciException;
import io.jcri.oci.cgroup.CgroupDriver;
import io.jcri.oci.cgroup.CgroupLayout;
import io.jcri.oci.cgroup.CgroupManager;
import io.jcri.oci.checkpoint.Criu;
import io.jcri.oci.monitor.ContainerMonitor;
import io.jcri.oci.ns.PodNamespaces;
import io.jcri.oci.runtime.OciRuntime;
import io.jcri.oci.runtime.OciRuntimes;
import io.jcri.runtime.cdi.CdiRegistry;
import io.jcri.runtime.container.ContainerRecord;
import io.jcri.runtime.container.ContainerService;
import io.jcri.runtime.container.RootfsMounter;
import io.jcri.runtime.sandbox.PodContainers;
import io.jcri.runtime.sandbox.PodSandboxes;
import io.jcri.runtime.sandbox.SandboxRecord;
import io.jcri.runtime.sandbox.SandboxService;
import io.jcri.runtime.sandbox.SandboxSettings;
import io.jcri.runtime.sandbox.SandboxState;
import io.jcri.runtime.state.StateStore;
import io.jcri.server.BuildInfo;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * RuntimeService as kubelet reaches it, without a transport: each call goes through the daemon's
 * {@link CallInterceptor} to {@link RuntimeServiceImpl}, which calls the real sandbox and container services over
 * collaborators that may not be touched (namespaces, OCI runtime, monitor, mounter, images: any call but a lookup is
 * recorded and fails). Bad requests are answered with their gRPC code before anything is made; an error of each
 * {@link ErrorKind} from behind reaches the client with the code of the same name and its message; a success is
 * answered with its response and OK.
 */
class RuntimeServiceImplTest {
    @TempDir
    Path tmp;
    /** Calls that reached a collaborator that makes something: must stay empty for a refused request. */
    private final List<String> touched = new CopyOnWriteArrayList<>();
    private final FakePods pods = new FakePods();
    private boolean ready = true;
    private ServerServiceDefinition service;

    @BeforeEach
    void setUp() throws IOException {
        NetworkAttacher network = new NetworkAttacher(new CniConfigLoader(Files.createDirectories(tmp.resolve("cni")),
                List.of()), new CniInvoker(new CniConfigLoader(tmp.resolve("cni"), List.of()), Duration.ofSeconds(1)),
                new CniResultCache(tmp.resolve("cni-results"), (file, bytes) -> touched.add("cni cache " + file)));
        SandboxService sandboxes = new SandboxService(new SandboxSettings(tmp.resolve("run"), Set.of("runc"), "runc",
                "/jcri", "catatonit", Set.of()), StateStore.open(tmp.resolve("sandboxes"), SandboxRecord.SHAPE),
                untouchable(PodNamespaces.class), new CgroupManager(new CgroupLayout(false, List.of()),
                CgroupDriver.CGROUPFS), network, () -> "", (id, sandboxId, type, at) -> touched.add("event " + type),
                Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
        sandboxes.recover(untouchable(PodContainers.class));
        ContainerService containers = new ContainerService(StateStore.open(tmp.resolve("containers"),
                ContainerRecord.SHAPE), pods, untouchable(ImageLeases.class),
                OciRuntimes.of(Map.of("runc", untouchable(OciRuntime.class))), untouchable(ContainerMonitor.class),
                null, null, untouchable(RootfsMounter.class), Criu.unavailable("no CRIU in unit tests"),
                new CdiRegistry(List.of()), (id, sandboxId, type, at) -> touched.add("event " + type),
                Clock.fixed(Instant.EPOCH, ZoneOffset.UTC), () -> 0L);
        service = ServerInterceptors.intercept(new RuntimeServiceImpl(null, () -> "{}", null, sandboxes, containers,
                null, null, null), new CallInterceptor(() -> ready, new SimpleMeterRegistry()));
    }

    @Test
    void runPodSandboxWithoutMetadataIsInvalidAndMakesNothing() {
        Answer<?> a = call(RuntimeServiceGrpc.getRunPodSandboxMethod(), RunPodSandboxRequest.newBuilder()
                .setConfig(PodSandboxConfig.newBuilder().setHostname("web")).build());
        assertThat(a.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(a.status().getDescription()).isEqualTo("pod sandbox metadata needs a name, a namespace and a uid");
        assertThat(a.messages()).isEmpty();
        assertNothingMade();
    }

    @Test
    void runPodSandboxWithHostileValuesIsInvalidAndMakesNothing() {
        for (PodSandboxConfig.Builder hostile : List.of(
                pod("web").setHostname("../x"),
                pod("web").setHostname("h".repeat(254)),
                pod("web;K8S_POD_NAME=other"))) {
            Answer<?> a = call(RuntimeServiceGrpc.getRunPodSandboxMethod(),
                    RunPodSandboxRequest.newBuilder().setConfig(hostile).build());
            assertThat(a.status().getCode()).as(hostile.toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        }
        assertNothingMade();
    }

    @Test
    void runPodSandboxOnAHandlerNotConfiguredIsInvalidAndNamesIt() {
        Answer<?> a = call(RuntimeServiceGrpc.getRunPodSandboxMethod(), RunPodSandboxRequest.newBuilder()
                .setConfig(pod("web")).setRuntimeHandler("kata").build());
        assertThat(a.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(a.status().getDescription()).contains("unknown runtime handler 'kata'", "[runc]");
        assertNothingMade();
    }

    @Test
    void createContainerWithoutAMetadataNameIsInvalidBeforeThePodIsLookedUp() {
        Answer<?> a = call(RuntimeServiceGrpc.getCreateContainerMethod(), CreateContainerRequest.newBuilder()
                .setPodSandboxId("pod1").setConfig(ContainerConfig.getDefaultInstance()).build());
        assertThat(a.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(a.status().getDescription()).isEqualTo("container config has no metadata name");
        assertThat(pods.asked).isEmpty();
        assertNothingMade();
    }

    @Test
    void createContainerWithALogPathLeavingThePodsLogDirectoryIsInvalidAndMakesNothing() {
        Answer<?> a = call(RuntimeServiceGrpc.getCreateContainerMethod(), CreateContainerRequest.newBuilder()
                .setPodSandboxId("pod1").setConfig(container("app").setLogPath("../../x.log")).build());
        assertThat(a.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(a.status().getDescription()).isEqualTo("log path '../../x.log' leaves the log directory");
        assertThat(pods.asked).containsOnly("pod1");
        assertNothingMade();
    }

    @ParameterizedTest
    @EnumSource(ErrorKind.class)
    void anErrorOfEachKindFromBehindReachesTheClientWithTheCodeOfTheSameName(ErrorKind kind) {
        pods.failure = new CriException(kind, "the pods say " + kind);
        Answer<?> a = call(RuntimeServiceGrpc.getCreateContainerMethod(), CreateContainerRequest.newBuilder()
                .setPodSandboxId("pod1").setConfig(container("app")).build());
        assertThat(a.status().getCode().name()).isEqualTo(kind.name());
        assertThat(a.status().getDescription()).isEqualTo("the pods say " + kind);
        assertThat(a.messages()).isEmpty();
        assertNothingMade();
    }

    @Test
    void runtimeFailuresAndBugsFromBehindAreInternalOrDeadlineWithoutAStack() {
        pods.failure = new OciException("runc timed out", true, null);
        Answer<?> timedOut = call(RuntimeServiceGrpc.getCreateContainerMethod(), CreateContainerRequest.newBuilder()
                .setPodSandboxId("pod1").setConfig(container("app")).build());
        assertThat(timedOut.status().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        pods.failure = new IllegalStateException("a bug");
        Answer<?> bug = call(RuntimeServiceGrpc.getCreateContainerMethod(), CreateContainerRequest.newBuilder()
                .setPodSandboxId("pod1").setConfig(container("app")).build());
        assertThat(bug.status().getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(bug.status().getDescription()).isEqualTo("internal error: IllegalStateException: a bug");
    }

    @Test
    void aDaemonStillRecoveringAnswersUnavailableWithoutCallingTheServices() {
        ready = false;
        Answer<?> a = call(RuntimeServiceGrpc.getCreateContainerMethod(), CreateContainerRequest.newBuilder()
                .setPodSandboxId("pod1").setConfig(container("app")).build());
        assertThat(a.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(pods.asked).isEmpty();
        assertNothingMade();
    }

    @Test
    void unknownIdsAreNotFoundForStatusAndAlreadyDoneForStopAndRemove() {
        Answer<?> status = call(RuntimeServiceGrpc.getContainerStatusMethod(),
                ContainerStatusRequest.newBuilder().setContainerId("nope").build());
        assertThat(status.status().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        Answer<StopPodSandboxResponse> stop = call(RuntimeServiceGrpc.getStopPodSandboxMethod(),
                StopPodSandboxRequest.newBuilder().setPodSandboxId("nope").build());
        assertThat(stop.status().isOk()).isTrue();
        assertThat(stop.messages()).containsExactly(StopPodSandboxResponse.getDefaultInstance());
        Answer<RemoveContainerResponse> remove = call(RuntimeServiceGrpc.getRemoveContainerMethod(),
                RemoveContainerRequest.newBuilder().setContainerId("nope").build());
        assertThat(remove.status().isOk()).isTrue();
        assertThat(remove.messages()).containsExactly(RemoveContainerResponse.getDefaultInstance());
        assertNothingMade();
    }

    @Test
    void successesAreAnsweredWithTheirResponse() {
        Answer<VersionResponse> version = call(RuntimeServiceGrpc.getVersionMethod(),
                VersionRequest.getDefaultInstance());
        assertThat(version.status().isOk()).isTrue();
        assertThat(version.messages()).singleElement().satisfies(v -> {
            assertThat(v.getRuntimeApiVersion()).isEqualTo(RuntimeServiceImpl.RUNTIME_API_VERSION);
            assertThat(v.getRuntimeName()).isEqualTo(BuildInfo.NAME);
        });
        Answer<ListPodSandboxResponse> list = call(RuntimeServiceGrpc.getListPodSandboxMethod(),
                ListPodSandboxRequest.getDefaultInstance());
        assertThat(list.status().isOk()).isTrue();
        assertThat(list.messages()).containsExactly(ListPodSandboxResponse.getDefaultInstance());
    }

    private void assertNothingMade() {
        assertThat(touched).isEmpty();
        try (Stream<Path> made = Stream.concat(Files.list(tmp.resolve("sandboxes")),
                Files.list(tmp.resolve("containers")))) {
            assertThat(made).isEmpty();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static PodSandboxConfig.Builder pod(String name) {
        return PodSandboxConfig.newBuilder().setMetadata(PodSandboxMetadata.newBuilder().setName(name)
                .setNamespace("default").setUid("uid-1"));
    }

    private static ContainerConfig.Builder container(String name) {
        return ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage("docker.io/library/app:1")).setLogPath("app/0.log");
    }

    /** What the client got: the messages sent, then the status the call was closed with. */
    private record Answer<R>(List<R> messages, Status status) {
    }

    /** One unary call as the server runs it: the request, the half-close, and what the call was answered. */
    private <Q, R> Answer<R> call(MethodDescriptor<Q, R> method, Q request) {
        @SuppressWarnings("unchecked")
        ServerMethodDefinition<Q, R> def = (ServerMethodDefinition<Q, R>) service.getMethod(
                method.getFullMethodName());
        RecordingCall<Q, R> call = new RecordingCall<>(method);
        ServerCall.Listener<Q> listener = def.getServerCallHandler().startCall(call, new Metadata());
        listener.onMessage(request);
        listener.onHalfClose();
        assertThat(call.status).as("the call was answered").isNotNull();
        return new Answer<>(List.copyOf(call.sent), call.status);
    }

    /** The server side of a call, recording what it is sent and the status it is closed with. */
    private static final class RecordingCall<Q, R> extends ServerCall<Q, R> {
        private final MethodDescriptor<Q, R> method;
        final List<R> sent = new ArrayList<>();
        Status status;

        RecordingCall(MethodDescriptor<Q, R> method) {
            this.method = method;
        }

        @Override
        public void request(int numMessages) {
        }

        @Override
        public void sendHeaders(Metadata headers) {
        }

        @Override
        public void sendMessage(R message) {
            sent.add(message);
        }

        @Override
        public void close(Status status, Metadata trailers) {
            this.status = status;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public MethodDescriptor<Q, R> getMethodDescriptor() {
            return method;
        }
    }

    /**
     * A collaborator that makes things (namespaces, runtime, monitor, mounts, leases) and must not be reached:
     * lookups (methods answering an Optional) find nothing; any other call is recorded in {@link #touched} and fails.
     */
    private <T> T untouchable(Class<T> type) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, m, args) -> {
            if (m.getReturnType() == Optional.class) {
                return Optional.empty();
            }
            touched.add(type.getSimpleName() + "." + m.getName());
            throw new AssertionError(type.getSimpleName() + "." + m.getName() + " reached");
        }));
    }

    /** One ready pod, pod1, with a log directory; or the failure the test sets for every lookup. */
    private final class FakePods implements PodSandboxes {
        final List<String> asked = new CopyOnWriteArrayList<>();
        volatile RuntimeException failure;

        @Override
        public SandboxRecord require(String idOrPrefix) {
            asked.add(idOrPrefix);
            if (failure != null) {
                throw failure;
            }
            if (!idOrPrefix.equals("pod1")) {
                throw CriException.notFound("pod sandbox " + idOrPrefix + " not found");
            }
            return new SandboxRecord(new SandboxRecord.Meta("pod1", "pod", "ns", "uid", 0, 1, Map.of(), Map.of(),
                    PodSandboxConfig.getDefaultInstance().toByteArray(), "runc", "", "", "", "podhost", "", "", "",
                    "", "/jcri/pod1", tmp.resolve("logs").toString()),
                    new SandboxRecord.Status(SandboxState.READY, "10.88.0.2", List.of(), 42, ""));
        }

        @Override
        public <T> T whileReady(String idOrPrefix, Function<SandboxRecord, T> body) {
            return body.apply(require(idOrPrefix));
        }

        @Override
        public boolean userNamespaces(String handler) {
            return false;
        }

        @Override
        public String resolveHandler(String handler) {
            return handler.isEmpty() ? "runc" : handler;
        }
    }
}
