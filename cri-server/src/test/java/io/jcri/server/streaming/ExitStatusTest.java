package io.jcri.server.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ExitStatusTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void successIsAStatusWithNothingElse() throws Exception {
        JsonNode s = json.readTree(ExitStatus.exited(0).toStatusJson());
        assertThat(s.path("status").asText()).isEqualTo("Success");
        assertThat(ExitStatus.exited(0).toText()).isEmpty();
    }

    @Test
    void aNonZeroExitCarriesTheCodeAsACause() throws Exception {
        JsonNode s = json.readTree(ExitStatus.exited(7).toStatusJson());
        assertThat(s.path("status").asText()).isEqualTo("Failure");
        assertThat(s.path("reason").asText()).isEqualTo("NonZeroExitCode");
        assertThat(s.at("/details/causes/0/reason").asText()).isEqualTo("ExitCode");
        assertThat(s.at("/details/causes/0/message").asText()).isEqualTo("7");
    }

    @Test
    void anErrorIsAnInternalError() throws Exception {
        JsonNode s = json.readTree(ExitStatus.error("no such file").toStatusJson());
        assertThat(s.path("reason").asText()).isEqualTo("InternalError");
        assertThat(s.path("code").asInt()).isEqualTo(500);
        assertThat(new String(ExitStatus.error("no such file").toText())).contains("no such file");
    }
}
