package io.jcri.server.status;

import io.jcri.cni.CniConfigLoader;
import io.jcri.cri.CriException;
import io.jcri.cri.v1.RuntimeCondition;
import io.jcri.oci.runtime.RuntimeBinaryProbe;
import java.util.List;
import java.util.Optional;

/**
 * Computes the RuntimeReady and NetworkReady conditions from real checks: the default handler's OCI runtime
 * binary runs, and a usable CNI configuration with all its plugins is present.
 */
public final class RuntimeConditions {
    public static final String RUNTIME_READY = "RuntimeReady";
    public static final String NETWORK_READY = "NetworkReady";

    private final String defaultRuntimeBinary;
    private final CniConfigLoader cni;

    public RuntimeConditions(String defaultRuntimeBinary, CniConfigLoader cni) {
        this.defaultRuntimeBinary = defaultRuntimeBinary;
        this.cni = cni;
    }

    /** Both conditions, evaluated now. */
    public List<RuntimeCondition> evaluate() {
        return List.of(runtimeReady(), networkReady());
    }

    private RuntimeCondition runtimeReady() {
        Optional<String> problem = RuntimeBinaryProbe.problem(defaultRuntimeBinary);
        RuntimeCondition.Builder b = RuntimeCondition.newBuilder().setType(RUNTIME_READY)
                .setStatus(problem.isEmpty());
        problem.ifPresent(p -> b.setReason("OCIRuntimeNotReady").setMessage(p));
        return b.build();
    }

    private RuntimeCondition networkReady() {
        RuntimeCondition.Builder b = RuntimeCondition.newBuilder().setType(NETWORK_READY);
        try {
            cni.load();
            b.setStatus(true);
        } catch (CriException e) {
            b.setStatus(false).setReason("NetworkPluginNotReady").setMessage(e.getMessage());
        }
        return b.build();
    }
}
