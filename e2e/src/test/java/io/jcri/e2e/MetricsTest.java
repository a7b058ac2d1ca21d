package io.jcri.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jcri.cri.CriClients;
import io.jcri.cri.v1.VersionRequest;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Prometheus endpoint: off by default, and when on, it counts the calls that were made. */
class MetricsTest {
    @Test
    void metricsTextParsesAndCountsCalls() throws Exception {
        assumeTrue(JcriProcess.isRoot(), "e2e tests need root: skipped");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (JcriProcess jcri = JcriProcess.start("[metrics]\nenabled = true\nport = " + port + "\n");
             CriClients c = jcri.client()) {
            for (int i = 0; i < 3; i++) {
                c.runtime().version(VersionRequest.getDefaultInstance());
            }
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            Matcher m = Pattern.compile(
                    "(?m)^jcri_cri_request_seconds_count\\{code=\"OK\",method=\"Version\"} ([0-9.]+)$")
                    .matcher(r.body());
            assertThat(m.find()).as(r.body()).isTrue();
            assertThat(Double.parseDouble(m.group(1))).isEqualTo(3.0);
            assertThat(r.body()).contains("jvm_memory_used_bytes", "jcri_streaming_connections ",
                    "jcri_streaming_connections_refused_total ");
            for (String line : r.body().split("\n")) {
                assertThat(line).matches("^(#.*|[a-zA-Z_:][a-zA-Z0-9_:]*(\\{.*})? \\S+( \\d+)?|)$");
            }
        }
    }
}
