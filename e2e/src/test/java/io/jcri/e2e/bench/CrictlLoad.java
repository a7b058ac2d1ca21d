package io.jcri.e2e.bench;

import io.grpc.StatusRuntimeException;
import io.jcri.cri.CriClients;
import io.jcri.cri.v1.ImageFsInfoRequest;
import io.jcri.cri.v1.ListContainersRequest;
import io.jcri.cri.v1.ListImagesRequest;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.VersionRequest;
import io.jcri.e2e.CallTimes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What {@code crictl} and the other tools on a node (critest, node-problem-detector, monitoring agents, scripts)
 * cost a runtime: each command a new connection, validated as crictl's CRI client validates it (Version on the
 * runtime service, ImageFsInfo on the image service), then the command's one call, then closed. The commands
 * {@code ps}, {@code pods}, {@code images} and {@code imagefsinfo} take turns, one each {@code period}, until
 * {@code length} has passed. Each call is timed under {@code crictl <command>: <call>}, the whole command (connect
 * to close) under {@code crictl <command>}.
 */
final class CrictlLoad {
    private static final long CALL_DEADLINE_SECONDS = 30;

    private record Command(String name, Consumer<CriClients> call) {
    }

    private final String endpoint;
    private final Supplier<CallTimes> times;

    private CrictlLoad(String endpoint, Supplier<CallTimes> times) {
        this.endpoint = endpoint;
        this.times = times;
    }

    static void run(String endpoint, Duration length, Duration period, Supplier<CallTimes> times)
            throws InterruptedException {
        new CrictlLoad(endpoint, times).drive(length, period);
    }

    private void drive(Duration length, Duration period) throws InterruptedException {
        List<Command> commands = List.of(
                new Command("ps", c -> time("crictl ps: ListContainers",
                        () -> c.runtime().withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS)
                                .listContainers(ListContainersRequest.getDefaultInstance()))),
                new Command("pods", c -> time("crictl pods: ListPodSandbox",
                        () -> c.runtime().withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS)
                                .listPodSandbox(ListPodSandboxRequest.getDefaultInstance()))),
                new Command("images", c -> time("crictl images: ListImages",
                        () -> c.images().withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS)
                                .listImages(ListImagesRequest.getDefaultInstance()))),
                new Command("imagefsinfo", c -> time("crictl imagefsinfo: ImageFsInfo",
                        () -> c.images().withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS)
                                .imageFsInfo(ImageFsInfoRequest.getDefaultInstance()))));
        long end = System.nanoTime() + length.toNanos();
        long next = System.nanoTime();
        for (int i = 0; System.nanoTime() < end; i++) {
            Command command = commands.get(i % commands.size());
            long t0 = System.nanoTime();
            try (CriClients c = CriClients.connect(endpoint)) {
                time("crictl: Version (validation)", () -> c.runtime()
                        .withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS)
                        .version(VersionRequest.getDefaultInstance()));
                time("crictl: ImageFsInfo (validation)", () -> c.images()
                        .withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS)
                        .imageFsInfo(ImageFsInfoRequest.getDefaultInstance()));
                command.call().accept(c);
                times.get().record("crictl " + command.name(), System.nanoTime() - t0);
            } catch (StatusRuntimeException e) {
                times.get().failed("crictl " + command.name(), e);
            }
            // a fixed rate, not a fixed delay: a slow runtime is not asked less often
            next += period.toNanos();
            long wait = next - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
        }
    }

    private void time(String rpc, Supplier<?> call) {
        long t0 = System.nanoTime();
        try {
            call.get();
        } finally {
            times.get().record(rpc, System.nanoTime() - t0);
        }
    }
}
