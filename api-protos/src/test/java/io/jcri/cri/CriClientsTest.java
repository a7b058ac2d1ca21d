package io.jcri.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.v1.VersionRequest;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CriClientsTest {
    @Test
    void endpointsAreUnixOrTcpWithTls() {
        assertThat(CriClients.socketPath("unix:///run/jcri/jcri.sock")).isEqualTo("/run/jcri/jcri.sock");
        assertThat(CriClients.socketPath("/run/x.sock")).isEqualTo("/run/x.sock");
        assertThatThrownBy(() -> CriClients.socketPath("http://x")).hasMessageContaining("unix:// and tcp://");
        assertThatThrownBy(() -> CriClients.connect("tcp://127.0.0.1:1", CriClients.Options.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mutual TLS only");
        assertThatThrownBy(() -> CriClients.connect("tcp://nohostport", CriClients.Options.defaults()
                .withTls(CriClients.Tls.inDirectory(Path.of("/nonexistent")))))
                .hasMessageContaining("tcp://HOST:PORT");
        assertThatThrownBy(() -> CriClients.connect("tcp://127.0.0.1:1", CriClients.Options.defaults()
                .withTls(CriClients.Tls.inDirectory(Path.of("/nonexistent")))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be used");
    }

    @Test
    void anUnreachableSocketFailsFastAsUnavailable() {
        try (CriClients c = CriClients.connect("unix:///nonexistent/jcri.sock",
                CriClients.Options.defaults().withCallTimeout(Duration.ofSeconds(5)))) {
            assertThatThrownBy(() -> c.runtime().version(VersionRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        }
    }
}
