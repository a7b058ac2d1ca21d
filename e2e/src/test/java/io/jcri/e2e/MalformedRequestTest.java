package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.CriApi;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.PodSandbox;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.StopPodSandboxRequest;
import io.jcri.cri.v1.VersionRequest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Thousands of generated malformed requests to every CRI method: each must be answered with a client-error code
 * (never INTERNAL or UNKNOWN), the daemon must keep serving, and it must leak no pods.
 */
class MalformedRequestTest {
    private static final int PER_METHOD = 60;
    /** PullImage gets hand-picked bad references only: a random valid one could make the daemon look up a host. */
    private static final Set<String> NOT_RANDOMISED = Set.of("PullImage");
    /** RESOURCE_EXHAUSTED is how gRPC refuses a request larger than the server's message size limit. */
    private static final Set<Status.Code> CLIENT_ERRORS = Set.of(Status.Code.OK, Status.Code.INVALID_ARGUMENT,
            Status.Code.NOT_FOUND, Status.Code.ALREADY_EXISTS, Status.Code.FAILED_PRECONDITION,
            Status.Code.UNIMPLEMENTED, Status.Code.DEADLINE_EXCEEDED, Status.Code.OUT_OF_RANGE,
            Status.Code.RESOURCE_EXHAUSTED);

    @Test
    void malformedRequestsGetClientErrorsAndLeaveTheDaemonServing() throws Exception {
        assumeTrue(JcriProcess.isRoot(), "e2e tests need root: skipped");
        try (JcriProcess jcri = JcriProcess.start(""); CriClients c = jcri.client()) {
            List<String> problems = new ArrayList<>();
            int sent = 0;
            MalformedRequests gen = new MalformedRequests(20261128L);
            for (ServiceDescriptor service : CriApi.getDescriptor().getServices()) {
                for (MethodDescriptor m : service.getMethods()) {
                    if (NOT_RANDOMISED.contains(m.getName())) {
                        continue;
                    }
                    for (int i = 0; i < PER_METHOD; i++) {
                        call(c, m, gen.next(m.getInputType()), problems);
                        sent++;
                    }
                }
            }
            for (String ref : List.of("", "lower/UPPER", "a b", "busybox@sha256:1234", "x:y:z", "/abs",
                    "localhost:99999/x", "-x", "a".repeat(300))) {
                try {
                    c.images().withDeadlineAfter(10, TimeUnit.SECONDS).pullImage(PullImageRequest.newBuilder()
                            .setImage(ImageSpec.newBuilder().setImage(ref)).build());
                    problems.add("PullImage '" + ref + "' succeeded");
                } catch (StatusRuntimeException e) {
                    if (e.getStatus().getCode() != Status.Code.INVALID_ARGUMENT) {
                        problems.add("PullImage '" + ref + "' -> " + e.getStatus());
                    }
                }
                sent++;
            }
            assertThat(c.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("jcri");
            for (PodSandbox pod : c.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                    .getItemsList()) {
                c.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod.getId()).build());
                c.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder()
                        .setPodSandboxId(pod.getId()).build());
            }
            assertThat(c.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList())
                    .isEmpty();
            assertThat(problems).as("%d malformed requests sent", sent).isEmpty();
            assertThat(jcri.process().isAlive()).isTrue();
        }
    }

    private static void call(CriClients c, MethodDescriptor m, Message request, List<String> problems) {
        io.grpc.MethodDescriptor<Message, Message> method = io.grpc.MethodDescriptor.<Message, Message>newBuilder()
                .setType(m.isServerStreaming() ? MethodType.SERVER_STREAMING : MethodType.UNARY)
                .setFullMethodName(io.grpc.MethodDescriptor.generateFullMethodName(
                        m.getService().getFullName(), m.getName()))
                .setRequestMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(m.getInputType())))
                .setResponseMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(m.getOutputType())))
                .build();
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(m.isServerStreaming() ? 2 : 30,
                TimeUnit.SECONDS);
        try {
            if (m.isServerStreaming()) {
                Iterator<Message> it = ClientCalls.blockingServerStreamingCall(c.channel(), method, options, request);
                while (it.hasNext()) {
                    it.next();
                }
            } else {
                ClientCalls.blockingUnaryCall(c.channel(), method, options, request);
            }
        } catch (StatusRuntimeException e) {
            if (!CLIENT_ERRORS.contains(e.getStatus().getCode()) && problems.size() < 40) {
                problems.add(m.getName() + ": " + e.getStatus().getCode() + " " + e.getStatus().getDescription());
            }
        }
    }
}
