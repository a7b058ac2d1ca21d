package io.jcri.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The invoker and attacher against fake plugins (shell scripts), no root needed. */
class NetworkAttacherTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    private Path conf;
    private Path bin;
    private Path log;
    private CniConfigLoader loader;
    private NetworkAttacher attacher;
    private CniResultCache cache;

    @BeforeEach
    void setUp() throws Exception {
        conf = Files.createDirectories(tmp.resolve("conf"));
        bin = Files.createDirectories(tmp.resolve("bin"));
        log = tmp.resolve("calls.log");
        // Logs its call, echoes stdin as the result, adding an IP when it is "ipam".
        plugin("fake", """
                in=$(cat)
                echo "$CNI_COMMAND $(basename $0) $CNI_CONTAINERID $CNI_IFNAME $CNI_NETNS [$CNI_ARGS] $in" >> %s
                if [ "$CNI_COMMAND" = ADD ]; then
                  echo '{"cniVersion":"1.0.0","ips":[{"address":"fd00::5/64"},{"address":"10.1.0.5/24"}]}'
                fi
                """.formatted(log));
        plugin("fails", """
                cat >/dev/null
                echo "$CNI_COMMAND fails" >> %s
                if [ "$CNI_COMMAND" = ADD ]; then
                  echo '{"cniVersion":"1.0.0","code":11,"msg":"no more addresses","details":"range full"}'
                  exit 1
                fi
                """.formatted(log));
        plugin("hangs", "cat >/dev/null; sleep 30\n");
        loader = new CniConfigLoader(conf, List.of(bin));
        cache = new CniResultCache(tmp.resolve("results"), (file, bytes) -> {
            Files.createDirectories(file.getParent());
            Files.write(file, bytes);
        });
        attacher = new NetworkAttacher(loader, new CniInvoker(loader, Duration.ofSeconds(2)), cache);
    }

    @Test
    void addsThroughTheListWithPrevResultAndDeletesInReverseFromTheCache() throws Exception {
        network("10-net.conflist", "[{\"type\":\"fake\",\"capabilities\":{\"portMappings\":true}},"
                + "{\"type\":\"fake\",\"x\":2}]");
        CniResult r = attacher.attach(request());
        assertThat(r.ips()).containsExactly("10.1.0.5", "fd00::5");
        // The conf dir changes: DEL still uses what ADD used.
        Files.delete(conf.resolve("10-net.conflist"));
        attacher.detach("sb1", "eth0");
        List<String> calls = Files.readAllLines(log);
        assertThat(calls).hasSize(4);
        assertThat(calls.get(0)).startsWith("ADD fake sb1 eth0 /run/netns/x [IgnoreUnknown=1;K8S_POD_NAME=p]")
                .contains("\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":8080}]}")
                .contains("\"name\":\"net\"").contains("\"cniVersion\":\"1.0.0\"").doesNotContain("prevResult");
        assertThat(calls.get(1)).contains("\"prevResult\":{\"cniVersion\"").doesNotContain("runtimeConfig");
        assertThat(calls.get(2)).startsWith("DEL").contains("\"x\":2").contains("prevResult");
        assertThat(calls.get(3)).startsWith("DEL").doesNotContain("\"x\":2");
        assertThat(cache.get("sb1", "eth0").isPresent()).isFalse();
        attacher.detach("sb1", "eth0");
        assertThat(Files.readAllLines(log)).hasSize(4);
    }

    @Test
    void pluginErrorReachesTheCallerAndWhatRanIsUndone() throws Exception {
        network("10-net.conflist", "[{\"type\":\"fake\"},{\"type\":\"fails\"}]");
        assertThatThrownBy(() -> attacher.attach(request())).isInstanceOf(CriException.class)
                .hasMessageContaining("no more addresses: range full (CNI error code 11)");
        assertThat(Files.readAllLines(log)).extracting(l -> String.join(" ", List.of(l.split(" ")).subList(0, 2)))
                .containsExactly("ADD fake", "ADD fails", "DEL fails", "DEL fake");
        assertThat(cache.get("sb1", "eth0").isPresent()).isFalse();
    }

    @Test
    void hangingPluginIsKilledAtTheDeadline() throws Exception {
        network("10-net.conf", null);
        // The plugin never ends on its own: only the kill at the deadline returns the call.
        assertThatThrownBy(() -> attacher.attach(request())).isInstanceOfSatisfying(CriException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.DEADLINE_EXCEEDED))
                .hasMessageContaining("did not finish within 2s");
        // Its DEL hangs as well: the attachment stays cached for a later retry.
        assertThat(cache.get("sb1", "eth0").isPresent()).isTrue();
    }

    @Test
    void interruptedAddIsStillTornDownFromTheCache() throws Exception {
        network("10-net.conflist", "[{\"type\":\"fake\"}]");
        cache.put(new CniResultCache.Entry(loader.load(), request(), null));
        attacher.detach("sb1", "eth0");
        assertThat(Files.readAllLines(log)).singleElement().asString().startsWith("DEL fake")
                .doesNotContain("prevResult");
    }

    @Test
    void legacyResultsAreRead() throws Exception {
        CniResult r = CniResult.of((com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(
                "{\"ip4\":{\"ip\":\"10.0.0.2/8\"}}"));
        assertThat(r.ips()).containsExactly("10.0.0.2");
    }

    private CniRequest request() {
        return new CniRequest("sb1", "/run/netns/x", "eth0", Map.of("K8S_POD_NAME", "p"),
                Map.of("portMappings", List.of(Map.of("hostPort", 8080)), "bandwidth", Map.of("ingressRate", 1)));
    }

    private void network(String file, String plugins) throws Exception {
        String doc = plugins == null ? "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"type\":\"hangs\"}"
                : "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":" + plugins + "}";
        Files.writeString(conf.resolve(file), doc);
    }

    private void plugin(String name, String body) throws Exception {
        Path p = bin.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
