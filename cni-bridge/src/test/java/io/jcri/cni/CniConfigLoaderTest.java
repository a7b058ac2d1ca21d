package io.jcri.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jcri.cri.CriException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CniConfigLoaderTest {
    @TempDir
    Path tmp;

    @Test
    void aPluginTypeIsOneFileNameInTheBinDirs() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path outside = Files.createFile(tmp.resolve("outside"));
        outside.toFile().setExecutable(true);
        for (String type : List.of(outside.toString(), "../outside", "..", "sub/../../outside")) {
            assertThatThrownBy(() -> CniConfigLoader.parse(tmp.resolve("x.conflist"), """
                    {"cniVersion": "1.0.0", "name": "n", "plugins": [{"type": "%s"}]}""".formatted(type)))
                    .as(type).isInstanceOf(CriException.class).hasMessageContaining("not a file name");
            assertThatThrownBy(() -> CniConfigLoader.parse(tmp.resolve("x.conf"), """
                    {"cniVersion": "1.0.0", "name": "n", "type": "%s"}""".formatted(type)))
                    .as(type).isInstanceOf(CriException.class).hasMessageContaining("not a file name");
            assertThatThrownBy(() -> new CniConfigLoader(tmp, List.of(bin)).findPlugin(type))
                    .as(type).isInstanceOf(CriException.class);
        }
        assertThat(CniConfigLoader.parse(tmp.resolve("x.conf"), """
                {"cniVersion": "1.0.0", "name": "n", "type": "bridge"}""").pluginTypes()).containsExactly("bridge");
    }
}
