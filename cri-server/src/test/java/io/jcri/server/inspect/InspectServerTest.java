package io.jcri.server.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.stub.StreamObserver;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.cri.v1.ContainerMetadata;
import io.jcri.cri.v1.ContainerState;
import io.jcri.cri.v1.ContainerStatus;
import io.jcri.cri.v1.ContainerStatusRequest;
import io.jcri.cri.v1.ContainerStatusResponse;
import io.jcri.cri.v1.Image;
import io.jcri.cri.v1.ImageServiceGrpc;
import io.jcri.cri.v1.ListImagesRequest;
import io.jcri.cri.v1.ListImagesResponse;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.ListPodSandboxResponse;
import io.jcri.cri.v1.PodSandbox;
import io.jcri.cri.v1.PodSandboxStatus;
import io.jcri.cri.v1.PodSandboxStatusRequest;
import io.jcri.cri.v1.PodSandboxStatusResponse;
import io.jcri.cri.v1.RuntimeCondition;
import io.jcri.cri.v1.RuntimeHandler;
import io.jcri.cri.v1.RuntimeServiceGrpc;
import io.jcri.cri.v1.RuntimeStatus;
import io.jcri.cri.v1.StatusRequest;
import io.jcri.cri.v1.StatusResponse;
import io.jcri.cri.v1.VersionRequest;
import io.jcri.cri.v1.VersionResponse;
import java.io.ByteArrayOutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inspect API over its socket, against CRI services that answer from fixed data: no daemon, no root. */
class InspectServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private Path socket;
    private String group;
    private InspectServer server;

    @BeforeEach
    void start() throws Exception {
        socket = dir.resolve("inspect.sock");
        group = Files.readAttributes(dir, PosixFileAttributes.class).group().getName();
        server = InspectServer.start(socket, group, new FakeRuntime(), new FakeImages(), () -> "{\"a\":1}",
                dir.resolve("containers"), 8);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void infoShowsVersionHandlersConfigAndConditions() throws Exception {
        Reply r = get("/info");
        assertThat(r.code()).isEqualTo(200);
        assertThat(r.headers()).containsEntry("content-type", "application/json")
                .containsEntry("connection", "close");
        JsonNode info = r.json();
        assertThat(info.path("runtime_name").asText()).isEqualTo("jcri");
        assertThat(info.path("version").asText()).isEqualTo("1.2.3");
        assertThat(info.path("runtime_api_version").asText()).isEqualTo("v1");
        assertThat(info.path("handlers").get(0).path("name").asText()).isEqualTo("runc");
        assertThat(info.path("config").path("a").asInt()).isEqualTo(1);
        assertThat(info.path("conditions").get(0).path("type").asText()).isEqualTo("RuntimeReady");
        assertThat(info.path("conditions").get(0).path("status").asBoolean()).isTrue();
    }

    @Test
    void podsAndImagesAreListedAndAPodShowsItsVerboseInfo() throws Exception {
        assertThat(get("/pods").json().get(0).path("id").asText()).isEqualTo("p1");
        assertThat(get("/images").json().get(0).path("id").asText()).isEqualTo("sha256:abc");
        JsonNode pod = get("/pods/p1").json();
        assertThat(pod.path("status").path("id").asText()).isEqualTo("p1");
        assertThat(pod.path("info").path("pid").asInt()).isEqualTo(7);
        assertThat(get("/pods?watch=1").code()).as("a query is ignored").isEqualTo(200);
    }

    @Test
    void aContainerShowsWhereItsBundleIsAndWhatRunsIt() throws Exception {
        JsonNode c = get("/containers/c1").json();
        assertThat(c.path("id").asText()).isEqualTo("c1");
        assertThat(c.path("name").asText()).isEqualTo("app");
        assertThat(c.path("pod_id").asText()).isEqualTo("p1");
        assertThat(c.path("state").asText()).isEqualTo("CONTAINER_RUNNING");
        assertThat(c.path("pid").asLong()).isEqualTo(42);
        assertThat(c.path("runtime_handler").asText()).isEqualTo("runc");
        assertThat(c.path("bundle").asText()).isEqualTo(dir.resolve("containers/c1").toString());
        assertThat(c.path("oci_spec").asText()).isEqualTo(dir.resolve("containers/c1/config.json").toString());
        assertThat(c.path("log_path").asText()).isEqualTo("/var/log/pods/p1/app/0.log");
        assertThat(c.path("status").path("id").asText()).isEqualTo("c1");
    }

    @Test
    void theServicesErrorsBecomeHttpCodes() throws Exception {
        Reply missing = get("/pods/nosuch");
        assertThat(missing.code()).isEqualTo(404);
        assertThat(missing.json().path("error").asText()).isEqualTo("pod sandbox nosuch not found");
        assertThat(get("/pods/invalid").code()).isEqualTo(400);
        assertThat(get("/pods/unavailable").code()).isEqualTo(503);
        Reply bug = get("/containers/bug");
        assertThat(bug.code()).isEqualTo(500);
        assertThat(bug.json().path("error").asText()).contains("IllegalStateException");
    }

    @Test
    void anythingButAGetOfAKnownPathIsRefused() throws Exception {
        Reply unknown = get("/nosuch");
        assertThat(unknown.code()).isEqualTo(404);
        assertThat(unknown.json().path("error").asText()).startsWith("no such path: /nosuch");
        assertThat(get("/pods/not-an-id!").code()).isEqualTo(404);
        Reply post = exchange("POST /info HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        assertThat(post.code()).isEqualTo(405);
        assertThat(post.headers()).containsEntry("allow", "GET");
        assertThat(exchange("GET /info\r\n\r\n").code()).isEqualTo(400);
        assertThat(exchange("HELLO\r\n\r\n").code()).isEqualTo(400);
    }

    @Test
    void aRequestHeadOverSixteenKibIsRefused() throws Exception {
        String big = "GET /info HTTP/1.1\r\nX-Big: " + "x".repeat(InspectServer.MAX_REQUEST_BYTES) + "\r\n\r\n";
        assertThat(exchange(big).code()).isEqualTo(431);
        assertThat(get("/info").code()).as("and the server goes on").isEqualTo(200);
    }

    @Test
    void aConnectionOverTheCapIsClosedAtOnceAndCounted() throws Exception {
        Path capped = dir.resolve("capped.sock");
        try (InspectServer small = InspectServer.start(capped, group, null, null, () -> "{}", dir, 2);
             SocketChannel one = connect(capped);
             SocketChannel two = connect(capped);
             SocketChannel three = connect(capped)) {
            assertThat(three.read(ByteBuffer.allocate(16))).as("the third connection is closed").isEqualTo(-1);
            assertThat(small.refusedConnections()).isEqualTo(1);
            assertThat(small.openConnections()).isEqualTo(2);
        }
    }

    private Reply get(String path) throws Exception {
        return exchange("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
    }

    /** Sends {@code request} as it is and reads the answer until the server closes the connection. */
    private Reply exchange(String request) throws Exception {
        try (SocketChannel ch = connect(socket)) {
            ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1));
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            while (ch.read(buf.clear()) >= 0) {
                in.write(buf.array(), 0, buf.position());
            }
            return Reply.parse(in.toString(StandardCharsets.ISO_8859_1));
        }
    }

    private static SocketChannel connect(Path socket) throws Exception {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        return ch;
    }

    /** An HTTP answer: its code, its headers (names in lower case) and its body. */
    private record Reply(int code, Map<String, String> headers, String body) {
        static Reply parse(String raw) {
            int end = raw.indexOf("\r\n\r\n");
            assertThat(end).as("a complete answer head: %s", raw).isPositive();
            String[] lines = raw.substring(0, end).split("\r\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).strip().toLowerCase(), lines[i].substring(colon + 1).strip());
            }
            String body = raw.substring(end + 4);
            assertThat(headers.get("content-length")).isEqualTo(Integer.toString(
                    body.getBytes(StandardCharsets.ISO_8859_1).length));
            return new Reply(Integer.parseInt(lines[0].split(" ")[1]), headers, body);
        }

        JsonNode json() throws Exception {
            return JSON.readTree(body);
        }
    }

    /** A runtime service of one pod and one container; other ids answer as the kind they name. */
    private static final class FakeRuntime extends RuntimeServiceGrpc.RuntimeServiceImplBase {
        @Override
        public void version(VersionRequest request, StreamObserver<VersionResponse> out) {
            out.onNext(VersionResponse.newBuilder().setRuntimeName("jcri").setRuntimeVersion("1.2.3")
                    .setRuntimeApiVersion("v1").build());
            out.onCompleted();
        }

        @Override
        public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
            out.onNext(StatusResponse.newBuilder()
                    .setStatus(RuntimeStatus.newBuilder().addConditions(RuntimeCondition.newBuilder()
                            .setType("RuntimeReady").setStatus(true)))
                    .addRuntimeHandlers(RuntimeHandler.newBuilder().setName("runc")).build());
            out.onCompleted();
        }

        @Override
        public void listPodSandbox(ListPodSandboxRequest request, StreamObserver<ListPodSandboxResponse> out) {
            out.onNext(ListPodSandboxResponse.newBuilder().addItems(PodSandbox.newBuilder().setId("p1")).build());
            out.onCompleted();
        }

        @Override
        public void podSandboxStatus(PodSandboxStatusRequest request, StreamObserver<PodSandboxStatusResponse> out) {
            String id = request.getPodSandboxId();
            switch (id) {
                case "p1" -> {
                    out.onNext(PodSandboxStatusResponse.newBuilder()
                            .setStatus(PodSandboxStatus.newBuilder().setId("p1")).putInfo("info", "{\"pid\":7}")
                            .build());
                    out.onCompleted();
                }
                case "invalid" -> throw CriException.invalid("pod sandbox id " + id + " is invalid");
                case "unavailable" -> throw new CriException(ErrorKind.UNAVAILABLE, "not now");
                default -> throw CriException.notFound("pod sandbox " + id + " not found");
            }
        }

        @Override
        public void containerStatus(ContainerStatusRequest request, StreamObserver<ContainerStatusResponse> out) {
            if (!request.getContainerId().equals("c1")) {
                throw new IllegalStateException("a bug");
            }
            out.onNext(ContainerStatusResponse.newBuilder()
                    .setStatus(ContainerStatus.newBuilder().setId("c1")
                            .setMetadata(ContainerMetadata.newBuilder().setName("app"))
                            .setState(ContainerState.CONTAINER_RUNNING).setLogPath("/var/log/pods/p1/app/0.log"))
                    .putInfo("info", "{\"sandboxID\":\"p1\",\"pid\":42,\"runtimeHandler\":\"runc\"}").build());
            out.onCompleted();
        }
    }

    private static final class FakeImages extends ImageServiceGrpc.ImageServiceImplBase {
        @Override
        public void listImages(ListImagesRequest request, StreamObserver<ListImagesResponse> out) {
            out.onNext(ListImagesResponse.newBuilder().addImages(Image.newBuilder().setId("sha256:abc")).build());
            out.onCompleted();
        }
    }
}
