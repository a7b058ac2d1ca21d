package io.jcri.server.reload;

import static org.assertj.core.api.Assertions.assertThat;

import io.jcri.server.config.ConfigLoader;
import io.jcri.server.config.JcriConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigReloaderTest {
    @Test
    void flattenNamesEachKeyBySectionAndKey() {
        JcriConfig c = ConfigLoader.parse("""
                [server]
                log_level = "warn"
                [runtime.handlers.runc]
                binary = "/usr/sbin/runc"
                """, "t");
        Map<String, String> keys = ConfigReloader.flatten(c);
        assertThat(keys).containsEntry("server.log_level", "\"warn\"")
                .containsEntry("runtime.handlers.runc.binary", "\"/usr/sbin/runc\"")
                .containsEntry("remote.allowed_subjects", "[]")
                .containsEntry("metrics.enabled", "false");
    }
}
