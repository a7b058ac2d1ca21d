package io.jcri.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CniRequestTest {
    private static CniRequest request(Map<String, String> args) {
        return new CniRequest("sb1", "/run/netns/x", "eth0", args, Map.of());
    }

    @Test
    void argsAreJoinedAfterIgnoreUnknown() {
        Map<String, String> env = CniInvoker.environment(CniInvoker.Command.ADD,
                request(Map.of("K8S_POD_NAME", "web-0", "K8S_POD_NAMESPACE", "default")), List.of(Path.of("/b")));
        assertThat(env.get("CNI_ARGS")).isEqualTo("IgnoreUnknown=1;K8S_POD_NAME=web-0;K8S_POD_NAMESPACE=default");
    }

    @Test
    void valuesThatWouldAddOrBreakPairsAreInvalidArguments() {
        for (String value : List.of("x;IgnoreUnknown=false", "a=b", "x;", "nul\u0000", "line\nbreak")) {
            assertThatThrownBy(() -> request(Map.of("K8S_POD_NAME", value))).as(value)
                    .isInstanceOfSatisfying(CriException.class,
                            e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                    .hasMessageContaining("K8S_POD_NAME");
        }
        assertThatThrownBy(() -> request(Map.of("A;B", "v"))).isInstanceOfSatisfying(CriException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
    }
}
