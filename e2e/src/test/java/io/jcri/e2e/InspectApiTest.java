package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.cri.v1.ContainerState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The read-only HTTP inspect API on its UNIX socket: each path, 404 and 405, and that it can be turned off. */
class InspectApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static FixtureDaemon fixture;
    private static SampleWorkload work;
    private static Path socket;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(JcriProcess.isRoot(), "e2e tests need root: skipped");
        fixture = FixtureDaemon.start("");
        work = SampleWorkload.start(fixture, "inspect");
        socket = fixture.jcri().dir().resolve("run/jcri-inspect.sock");
    }

    @AfterAll
    static void stop() throws Exception {
        SampleWorkload.close(fixture, "InspectApiTest");
    }

    record Response(int code, String head, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    static Response request(Path socket, String raw) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap(raw.getBytes(StandardCharsets.ISO_8859_1));
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            while (ch.read(buf.clear()) > 0) {
                in.write(buf.array(), 0, buf.position());
            }
            String text = in.toString(StandardCharsets.UTF_8);
            int split = text.indexOf("\r\n\r\n");
            String head = text.substring(0, split);
            return new Response(Integer.parseInt(head.split(" ")[1]), head, text.substring(split + 4));
        }
    }

    static Response get(String path) throws IOException {
        return request(socket, "GET " + path + " HTTP/1.1\r\nHost: jcri\r\n\r\n");
    }

    @Test
    void infoShowsVersionHandlersConfigAndConditions() throws Exception {
        Response r = get("/info");
        assertThat(r.code()).as(r.body()).isEqualTo(200);
        assertThat(r.head()).contains("Content-Type: application/json");
        JsonNode info = r.json();
        assertThat(info.path("runtime_name").asText()).isEqualTo("jcri");
        assertThat(info.path("version").asText()).isNotBlank();
        assertThat(info.path("handlers").findValuesAsText("name")).contains("runc", "crun");
        assertThat(info.path("config").path("server").path("socket").asText())
                .isEqualTo(fixture.jcri().socket().toString());
        assertThat(info.path("conditions").findValuesAsText("type")).contains("RuntimeReady", "NetworkReady");
    }

    @Test
    void podsListsThePodAndPodsIdDescribesIt() throws Exception {
        Response list = get("/pods");
        assertThat(list.code()).isEqualTo(200);
        assertThat(list.json().findValuesAsText("id")).contains(work.podId());
        Response one = get("/pods/" + work.podId());
        assertThat(one.code()).as(one.body()).isEqualTo(200);
        assertThat(one.json().path("status").path("id").asText()).isEqualTo(work.podId());
        assertThat(one.json().path("info").path("hostsPath").asText()).isNotBlank();
    }

    @Test
    void containersIdShowsStatePidBundleLogMountsResourcesAndSpec() throws Exception {
        Response r = get("/containers/" + work.containerId().substring(0, 12));
        assertThat(r.code()).as(r.body()).isEqualTo(200);
        JsonNode c = r.json();
        assertThat(c.path("id").asText()).isEqualTo(work.containerId());
        assertThat(c.path("pod_id").asText()).isEqualTo(work.podId());
        assertThat(c.path("state").asText()).isEqualTo(ContainerState.CONTAINER_RUNNING.name());
        assertThat(c.path("pid").asLong()).isPositive();
        assertThat(Path.of(c.path("bundle").asText())).isDirectory();
        assertThat(Path.of(c.path("oci_spec").asText())).isRegularFile();
        assertThat(c.path("log_path").asText()).isEqualTo(work.logFile().toString());
        assertThat(c.path("mounts").isArray()).isTrue();
        assertThat(c.has("resources")).isTrue();
    }

    @Test
    void imagesListsThePulledImage() throws Exception {
        Response r = get("/images");
        assertThat(r.code()).isEqualTo(200);
        assertThat(r.json().findValuesAsText("repoTags").toString() + r.json()).contains(work.image());
    }

    @Test
    void unknownPathsAndIdsAnswer404() throws Exception {
        assertThat(get("/").code()).isEqualTo(404);
        assertThat(get("/containers").code()).isEqualTo(404);
        assertThat(get("/info/extra").code()).isEqualTo(404);
        Response r = get("/containers/0123456789abcdef");
        assertThat(r.code()).isEqualTo(404);
        assertThat(r.json().path("error").asText()).contains("0123456789abcdef");
        assertThat(get("/pods/..%2f..%2fetc").code()).isEqualTo(404);
    }

    @Test
    void otherMethodsAnswer405AndChangeNothing() throws Exception {
        for (String method : new String[] {"POST", "PUT", "DELETE", "PATCH"}) {
            Response r = request(socket, method + " /containers/" + work.containerId()
                    + " HTTP/1.1\r\nHost: jcri\r\nContent-Length: 0\r\n\r\n");
            assertThat(r.code()).as(method).isEqualTo(405);
            assertThat(r.head()).contains("Allow: GET");
        }
        assertThat(Containers.status(fixture.cri(), work.containerId()).getState())
                .isEqualTo(ContainerState.CONTAINER_RUNNING);
    }

    @Test
    void malformedAndOversizedRequestsAreRefused() throws Exception {
        assertThat(request(socket, "nonsense\r\n\r\n").code()).isEqualTo(400);
        assertThat(request(socket, "GET /info HTTP/1.1\r\nX: " + "a".repeat(20_000) + "\r\n\r\n").code())
                .isEqualTo(431);
    }

    @Test
    void theSocketHasTheCriSocketsModeAndGroup() throws Exception {
        PosixFileAttributes a = Files.readAttributes(socket, PosixFileAttributes.class);
        assertThat(PosixFilePermissions.toString(a.permissions())).isEqualTo("rw-rw----");
        assertThat(a.group().getName()).isEqualTo("root");
    }

    @Test
    void theApiCanBeTurnedOffAndItsSocketMoved() throws Exception {
        try (JcriProcess off = JcriProcess.start("[inspect]\nenabled = false\n")) {
            assertThat(off.dir().resolve("run/jcri-inspect.sock")).doesNotExist();
        }
        Path elsewhere = Files.createTempDirectory("jcri-inspect-").resolve("api.sock");
        try (JcriProcess moved = JcriProcess.start("[inspect]\nsocket = \"" + elsewhere + "\"\n")) {
            assertThat(request(elsewhere, "GET /pods HTTP/1.1\r\n\r\n").code()).isEqualTo(200);
        }
        assertThat(elsewhere).doesNotExist();
        Files.delete(elsewhere.getParent());
    }
}
