package io.jcri.server.grpc;

import io.grpc.stub.StreamObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.jcri.cri.v1.CheckpointContainerRequest;
import io.jcri.cri.v1.CheckpointContainerResponse;
import io.jcri.cri.v1.ContainerEventResponse;
import io.jcri.cri.v1.ContainerStats;
import io.jcri.cri.v1.ContainerStatsRequest;
import io.jcri.cri.v1.ContainerStatsResponse;
import io.jcri.cri.v1.GetEventsRequest;
import io.jcri.cri.v1.ListContainerStatsRequest;
import io.jcri.cri.v1.ListContainerStatsResponse;
import io.jcri.cri.v1.ListMetricDescriptorsRequest;
import io.jcri.cri.v1.ListMetricDescriptorsResponse;
import io.jcri.cri.v1.ListPodSandboxMetricsRequest;
import io.jcri.cri.v1.ListPodSandboxMetricsResponse;
import io.jcri.cri.v1.ListPodSandboxStatsRequest;
import io.jcri.cri.v1.ListPodSandboxStatsResponse;
import io.jcri.cri.v1.PodSandboxMetrics;
import io.jcri.cri.v1.PodSandboxStats;
import io.jcri.cri.v1.PodSandboxStatsRequest;
import io.jcri.cri.v1.PodSandboxStatsResponse;
import io.jcri.cri.v1.StreamContainerStatsRequest;
import io.jcri.cri.v1.StreamContainerStatsResponse;
import io.jcri.cri.v1.StreamPodSandboxMetricsRequest;
import io.jcri.cri.v1.StreamPodSandboxMetricsResponse;
import io.jcri.cri.v1.StreamPodSandboxStatsRequest;
import io.jcri.cri.v1.StreamPodSandboxStatsResponse;
import io.jcri.cri.v1.UpdatePodSandboxResourcesRequest;
import io.jcri.cri.v1.UpdatePodSandboxResourcesResponse;
import io.jcri.runtime.events.EventBus;
import io.jcri.runtime.stats.StatsCollector;
import io.jcri.cri.v1.AttachRequest;
import io.jcri.cri.v1.AttachResponse;
import io.jcri.cri.v1.ExecRequest;
import io.jcri.cri.v1.ExecResponse;
import io.jcri.cri.v1.PortForwardRequest;
import io.jcri.cri.v1.PortForwardResponse;
import io.jcri.server.streaming.StreamingServer;
import io.jcri.cri.v1.LinuxRuntimeConfiguration;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.ListPodSandboxResponse;
import io.jcri.cri.v1.PodSandbox;
import io.jcri.cri.v1.PodSandboxStatusRequest;
import io.jcri.cri.v1.PodSandboxStatusResponse;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.RemovePodSandboxResponse;
import io.jcri.cri.v1.RunPodSandboxRequest;
import io.jcri.cri.v1.RunPodSandboxResponse;
import io.jcri.cri.v1.RuntimeConfigRequest;
import io.jcri.cri.v1.RuntimeConfigResponse;
import io.jcri.cri.v1.RuntimeServiceGrpc;
import io.jcri.cri.v1.RuntimeStatus;
import io.jcri.cri.v1.StatusRequest;
import io.jcri.cri.v1.StatusResponse;
import io.jcri.cri.v1.StopPodSandboxRequest;
import io.jcri.cri.v1.StopPodSandboxResponse;
import io.jcri.cri.v1.StreamPodSandboxesRequest;
import io.jcri.cri.v1.StreamPodSandboxesResponse;
import io.jcri.cri.v1.UpdateRuntimeConfigRequest;
import io.jcri.cri.v1.UpdateRuntimeConfigResponse;
import io.jcri.cri.v1.VersionRequest;
import io.jcri.cri.v1.VersionResponse;
import io.jcri.cri.v1.Container;
import io.jcri.cri.v1.ContainerStatusRequest;
import io.jcri.cri.v1.ContainerStatusResponse;
import io.jcri.cri.v1.CreateContainerRequest;
import io.jcri.cri.v1.CreateContainerResponse;
import io.jcri.cri.v1.ExecSyncRequest;
import io.jcri.cri.v1.ExecSyncResponse;
import io.jcri.cri.v1.ListContainersRequest;
import io.jcri.cri.v1.ListContainersResponse;
import io.jcri.cri.v1.RemoveContainerRequest;
import io.jcri.cri.v1.RemoveContainerResponse;
import io.jcri.cri.v1.ReopenContainerLogRequest;
import io.jcri.cri.v1.ReopenContainerLogResponse;
import io.jcri.cri.v1.StartContainerRequest;
import io.jcri.cri.v1.StartContainerResponse;
import io.jcri.cri.v1.StopContainerRequest;
import io.jcri.cri.v1.StopContainerResponse;
import io.jcri.cri.v1.StreamContainersRequest;
import io.jcri.cri.v1.StreamContainersResponse;
import io.jcri.cri.v1.UpdateContainerResourcesRequest;
import io.jcri.cri.v1.UpdateContainerResourcesResponse;
import io.jcri.runtime.container.ContainerService;
import io.jcri.runtime.sandbox.SandboxService;
import io.jcri.server.BuildInfo;
import io.jcri.server.status.NodeRuntimeConfig;
import io.jcri.server.status.RuntimeConditions;
import java.util.function.Supplier;

/**
 * The gRPC face of {@code runtime.v1.RuntimeService}: each method unpacks the request, calls one service method
 * and packs the answer. RPCs not overridden here answer UNIMPLEMENTED with the method's name (the generated
 * base class does that).
 */
public final class RuntimeServiceImpl extends RuntimeServiceGrpc.RuntimeServiceImplBase {
    /** The CRI API version jcri speaks. */
    public static final String RUNTIME_API_VERSION = "v1";

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private final RuntimeConditions conditions;
    private final Supplier<String> verboseConfig;
    private final NodeRuntimeConfig node;
    private final SandboxService sandboxes;
    private final ContainerService containers;
    private final StreamingServer streaming;
    private final StatsCollector stats;
    private final EventBus events;

    public RuntimeServiceImpl(RuntimeConditions conditions, Supplier<String> verboseConfig, NodeRuntimeConfig node,
                              SandboxService sandboxes, ContainerService containers, StreamingServer streaming,
                              StatsCollector stats, EventBus events) {
        this.conditions = conditions;
        this.verboseConfig = verboseConfig;
        this.node = node;
        this.sandboxes = sandboxes;
        this.containers = containers;
        this.streaming = streaming;
        this.stats = stats;
        this.events = events;
    }

    @Override
    public void runPodSandbox(RunPodSandboxRequest request, StreamObserver<RunPodSandboxResponse> out) {
        String id = sandboxes.run(request.getConfig(), request.getRuntimeHandler());
        out.onNext(RunPodSandboxResponse.newBuilder().setPodSandboxId(id).build());
        out.onCompleted();
    }

    @Override
    public void stopPodSandbox(StopPodSandboxRequest request, StreamObserver<StopPodSandboxResponse> out) {
        sandboxes.stop(request.getPodSandboxId());
        out.onNext(StopPodSandboxResponse.getDefaultInstance());
        out.onCompleted();
    }

    @Override
    public void removePodSandbox(RemovePodSandboxRequest request, StreamObserver<RemovePodSandboxResponse> out) {
        sandboxes.remove(request.getPodSandboxId());
        out.onNext(RemovePodSandboxResponse.getDefaultInstance());
        out.onCompleted();
    }

    @Override
    public void podSandboxStatus(PodSandboxStatusRequest request, StreamObserver<PodSandboxStatusResponse> out) {
        out.onNext(sandboxes.status(request.getPodSandboxId(), request.getVerbose()));
        out.onCompleted();
    }

    @Override
    public void listPodSandbox(ListPodSandboxRequest request, StreamObserver<ListPodSandboxResponse> out) {
        out.onNext(ListPodSandboxResponse.newBuilder()
                .addAllItems(sandboxes.list(request.hasFilter() ? request.getFilter() : null)).build());
        out.onCompleted();
    }

    @Override
    public void streamPodSandboxes(StreamPodSandboxesRequest request,
                                   StreamObserver<StreamPodSandboxesResponse> out) {
        for (PodSandbox sandbox : sandboxes.list(request.hasFilter() ? request.getFilter() : null)) {
            out.onNext(StreamPodSandboxesResponse.newBuilder().addPodSandboxes(sandbox).build());
        }
        out.onCompleted();
    }

    @Override
    public void runtimeConfig(RuntimeConfigRequest request, StreamObserver<RuntimeConfigResponse> out) {
        out.onNext(RuntimeConfigResponse.newBuilder()
                .setLinux(LinuxRuntimeConfiguration.newBuilder().setCgroupDriver(node.cgroupDriver()))
                .build());
        out.onCompleted();
    }

    @Override
    public void updateRuntimeConfig(UpdateRuntimeConfigRequest request,
                                    StreamObserver<UpdateRuntimeConfigResponse> out) {
        node.updatePodCidr(request.getRuntimeConfig().getNetworkConfig().getPodCidr());
        out.onNext(UpdateRuntimeConfigResponse.getDefaultInstance());
        out.onCompleted();
    }

    @Override
    public void version(VersionRequest request, StreamObserver<VersionResponse> out) {
        out.onNext(VersionResponse.newBuilder()
                .setVersion("0.1.0")
                .setRuntimeName(BuildInfo.NAME)
                .setRuntimeVersion(BuildInfo.version())
                .setRuntimeApiVersion(RUNTIME_API_VERSION)
                .build());
        out.onCompleted();
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
        StatusResponse.Builder b = StatusResponse.newBuilder()
                .setStatus(RuntimeStatus.newBuilder().addAllConditions(conditions.evaluate()))
                .addAllRuntimeHandlers(containers.runtimeHandlers())
                .setFeatures(io.jcri.cri.v1.RuntimeFeatures.newBuilder().setSupplementalGroupsPolicy(true));
        if (request.getVerbose()) {
            b.putInfo("config", verboseConfig.get());
            b.putInfo("podCIDR", node.podCidr());
            // whether CheckpointContainer and restores work here, and if not, why (crictl info shows it)
            var checkpoint = JSON.createObjectNode();
            containers.checkpointProblem().ifPresentOrElse(p -> checkpoint.put("enabled", false).put("reason", p),
                    () -> checkpoint.put("enabled", true));
            b.putInfo("checkpoint", checkpoint.toString());
        }
        out.onNext(b.build());
        out.onCompleted();
    }

    @Override
    public void createContainer(CreateContainerRequest request, StreamObserver<CreateContainerResponse> out) {
        String id = containers.create(request.getPodSandboxId(), request.getConfig());
        out.onNext(CreateContainerResponse.newBuilder().setContainerId(id).build());
        out.onCompleted();
    }

    @Override
    public void startContainer(StartContainerRequest request, StreamObserver<StartContainerResponse> out) {
        containers.start(request.getContainerId());
        out.onNext(StartContainerResponse.getDefaultInstance());
        out.onCompleted();
    }

    @Override
    public void stopContainer(StopContainerRequest request, StreamObserver<StopContainerResponse> out) {
        containers.stop(request.getContainerId(), request.getTimeout());
        out.onNext(StopContainerResponse.getDefaultInstance());
        out.onCompleted();
    }

    @Override
    public void removeContainer(RemoveContainerRequest request, StreamObserver<RemoveContainerResponse> out) {
        containers.remove(request.getContainerId());
        out.onNext(RemoveContainerResponse.getDefaultInstance());
        out.onCompleted();
    }

    @Override
    public void containerStatus(ContainerStatusRequest request, StreamObserver<ContainerStatusResponse> out) {
        out.onNext(containers.status(request.getContainerId(), request.getVerbose()));
        out.onCompleted();
    }

    @Override
    public void listContainers(ListContainersRequest request, StreamObserver<ListContainersResponse> out) {
        out.onNext(ListContainersResponse.newBuilder()
                .addAllContainers(containers.list(request.hasFilter() ? request.getFilter() : null)).build());
        out.onCompleted();
    }

    @Override
    public void streamContainers(StreamContainersRequest request, StreamObserver<StreamContainersResponse> out) {
        for (Container c : containers.list(request.hasFilter() ? request.getFilter() : null)) {
            out.onNext(StreamContainersResponse.newBuilder().addContainers(c).build());
        }
        out.onCompleted();
    }

    @Override
    public void reopenContainerLog(ReopenContainerLogRequest request,
                                   StreamObserver<ReopenContainerLogResponse> out) {
        containers.reopenLog(request.getContainerId());
        out.onNext(ReopenContainerLogResponse.getDefaultInstance());
        out.onCompleted();
    }

    @Override
    public void execSync(ExecSyncRequest request, StreamObserver<ExecSyncResponse> out) {
        // A cancelled call (kubelet's probe gave up) interrupts the exec, which then ends the command it started.
        Thread handler = Thread.currentThread();
        io.grpc.Context.CancellationListener cancel = ctx -> handler.interrupt();
        io.grpc.Context.current().addListener(cancel, Runnable::run);
        ExecSyncResponse r;
        try {
            r = containers.execSync(request.getContainerId(), request.getCmdList(), request.getTimeout());
        } finally {
            io.grpc.Context.current().removeListener(cancel);
        }
        out.onNext(r);
        out.onCompleted();
    }

    @Override
    public void exec(ExecRequest request, StreamObserver<ExecResponse> out) {
        out.onNext(streaming.exec(request));
        out.onCompleted();
    }

    @Override
    public void attach(AttachRequest request, StreamObserver<AttachResponse> out) {
        out.onNext(streaming.attach(request));
        out.onCompleted();
    }

    @Override
    public void portForward(PortForwardRequest request, StreamObserver<PortForwardResponse> out) {
        out.onNext(streaming.portForward(request));
        out.onCompleted();
    }

    @Override
    public void updateContainerResources(UpdateContainerResourcesRequest request,
                                         StreamObserver<UpdateContainerResourcesResponse> out) {
        containers.updateResources(request.getContainerId(), request.getLinux());
        out.onNext(UpdateContainerResourcesResponse.getDefaultInstance());
        out.onCompleted();
    }

    @Override
    public void containerStats(ContainerStatsRequest request, StreamObserver<ContainerStatsResponse> out) {
        out.onNext(ContainerStatsResponse.newBuilder().setStats(stats.containerStats(request.getContainerId()))
                .build());
        out.onCompleted();
    }

    @Override
    public void listContainerStats(ListContainerStatsRequest request,
                                   StreamObserver<ListContainerStatsResponse> out) {
        out.onNext(ListContainerStatsResponse.newBuilder()
                .addAllStats(stats.listContainerStats(request.hasFilter() ? request.getFilter() : null)).build());
        out.onCompleted();
    }

    @Override
    public void streamContainerStats(StreamContainerStatsRequest request,
                                     StreamObserver<StreamContainerStatsResponse> out) {
        for (ContainerStats s : stats.listContainerStats(request.hasFilter() ? request.getFilter() : null)) {
            out.onNext(StreamContainerStatsResponse.newBuilder().addContainerStats(s).build());
        }
        out.onCompleted();
    }

    @Override
    public void podSandboxStats(PodSandboxStatsRequest request, StreamObserver<PodSandboxStatsResponse> out) {
        out.onNext(PodSandboxStatsResponse.newBuilder().setStats(stats.podStats(request.getPodSandboxId())).build());
        out.onCompleted();
    }

    @Override
    public void listPodSandboxStats(ListPodSandboxStatsRequest request,
                                    StreamObserver<ListPodSandboxStatsResponse> out) {
        out.onNext(ListPodSandboxStatsResponse.newBuilder()
                .addAllStats(stats.listPodStats(request.hasFilter() ? request.getFilter() : null)).build());
        out.onCompleted();
    }

    @Override
    public void streamPodSandboxStats(StreamPodSandboxStatsRequest request,
                                      StreamObserver<StreamPodSandboxStatsResponse> out) {
        for (PodSandboxStats s : stats.listPodStats(request.hasFilter() ? request.getFilter() : null)) {
            out.onNext(StreamPodSandboxStatsResponse.newBuilder().addPodSandboxStats(s).build());
        }
        out.onCompleted();
    }

    @Override
    public void listMetricDescriptors(ListMetricDescriptorsRequest request,
                                      StreamObserver<ListMetricDescriptorsResponse> out) {
        out.onNext(ListMetricDescriptorsResponse.newBuilder().addAllDescriptors(stats.metricDescriptors()).build());
        out.onCompleted();
    }

    @Override
    public void listPodSandboxMetrics(ListPodSandboxMetricsRequest request,
                                      StreamObserver<ListPodSandboxMetricsResponse> out) {
        out.onNext(ListPodSandboxMetricsResponse.newBuilder().addAllPodMetrics(stats.podMetrics()).build());
        out.onCompleted();
    }

    @Override
    public void streamPodSandboxMetrics(StreamPodSandboxMetricsRequest request,
                                        StreamObserver<StreamPodSandboxMetricsResponse> out) {
        for (PodSandboxMetrics m : stats.podMetrics()) {
            out.onNext(StreamPodSandboxMetricsResponse.newBuilder().addPodSandboxMetrics(m).build());
        }
        out.onCompleted();
    }

    @Override
    public void getContainerEvents(GetEventsRequest request, StreamObserver<ContainerEventResponse> out) {
        ContainerEventStream.forward(events, (ServerCallStreamObserver<ContainerEventResponse>) out);
    }

    @Override
    public void updatePodSandboxResources(UpdatePodSandboxResourcesRequest request,
                                          StreamObserver<UpdatePodSandboxResourcesResponse> out) {
        sandboxes.updateResources(request.getPodSandboxId(), request.getOverhead(), request.getResources());
        out.onNext(UpdatePodSandboxResourcesResponse.getDefaultInstance());
        out.onCompleted();
    }

    @Override
    public void checkpointContainer(CheckpointContainerRequest request,
                                    StreamObserver<CheckpointContainerResponse> out) {
        containers.checkpoint(request.getContainerId(), request.getLocation(), request.getTimeout());
        out.onNext(CheckpointContainerResponse.getDefaultInstance());
        out.onCompleted();
    }
}
