package io.jcri.server.grpc;

import io.grpc.stub.StreamObserver;
import io.jcri.cri.v1.LinuxRuntimeConfiguration;
import io.jcri.cri.v1.RuntimeConfigRequest;
import io.jcri.cri.v1.RuntimeConfigResponse;
import io.jcri.cri.v1.RuntimeServiceGrpc;
import io.jcri.cri.v1.RuntimeStatus;
import io.jcri.cri.v1.StatusRequest;
import io.jcri.cri.v1.StatusResponse;
import io.jcri.cri.v1.UpdateRuntimeConfigRequest;
import io.jcri.cri.v1.UpdateRuntimeConfigResponse;
import io.jcri.cri.v1.VersionRequest;
import io.jcri.cri.v1.VersionResponse;
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

    private final RuntimeConditions conditions;
    private final Supplier<String> verboseConfig;
    private final NodeRuntimeConfig node;

    public RuntimeServiceImpl(RuntimeConditions conditions, Supplier<String> verboseConfig, NodeRuntimeConfig node) {
        this.conditions = conditions;
        this.verboseConfig = verboseConfig;
        this.node = node;
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
                .setStatus(RuntimeStatus.newBuilder().addAllConditions(conditions.evaluate()));
        if (request.getVerbose()) {
            b.putInfo("config", verboseConfig.get());
            b.putInfo("podCIDR", node.podCidr());
        }
        out.onNext(b.build());
        out.onCompleted();
    }
}
