package io.jcri.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientOptionsTest {
    @Test
    void flagsWinOverTheEnvironmentWhichWinsOverTheLocalSocket() {
        assertThat(new ClientOptions(Map.of()).endpoint()).isEqualTo("unix:///run/jcri/jcri.sock");
        ClientOptions env = new ClientOptions(Map.of("JCRI_HOST", "tcp://node:10010", "JCRI_TLS_DIR", "/certs"));
        assertThat(env.endpoint()).isEqualTo("tcp://node:10010");
        assertThat(env.tls().caFile()).isEqualTo(Path.of("/certs/ca.pem"));
        assertThat(env.tls().keyFile()).isEqualTo(Path.of("/certs/key.pem"));
        env.host = "unix:///x.sock";
        env.caFile = Path.of("/a/ca");
        env.certFile = Path.of("/a/cert");
        env.keyFile = Path.of("/a/key");
        assertThat(env.endpoint()).isEqualTo("unix:///x.sock");
        assertThat(env.tls().certFile()).isEqualTo(Path.of("/a/cert"));
    }

    @Test
    void tlsFlagsGoTogetherAndTcpNeedsThem() {
        ClientOptions partial = new ClientOptions(Map.of());
        partial.caFile = Path.of("/a/ca");
        assertThatThrownBy(partial::tls).hasMessageContaining("go together");
        ClientOptions tcp = new ClientOptions(Map.of("JCRI_HOST", "tcp://127.0.0.1:1"));
        assertThatThrownBy(tcp::connect).isInstanceOf(CliException.class).hasMessageContaining("needs TLS");
    }
}
