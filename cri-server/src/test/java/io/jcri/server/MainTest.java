package io.jcri.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The daemon's command line, read without picocli so that the daemon starts sooner. */
class MainTest {
    @Test
    void serveAndItsConfigFileAreReadDirectly() {
        assertThat(Main.serveConfig(new String[] {"serve"})).isEqualTo(Path.of(Main.DEFAULT_CONFIG));
        assertThat(Main.serveConfig(new String[] {"serve", "--config", "/x.toml"})).isEqualTo(Path.of("/x.toml"));
        assertThat(Main.serveConfig(new String[] {"serve", "--config=/y.toml"})).isEqualTo(Path.of("/y.toml"));
    }

    @Test
    void everythingElseIsLeftToPicocli() {
        for (String[] args : new String[][] {{}, {"ps"}, {"serve", "--help"}, {"serve", "--config"},
                {"serve", "--config="}, {"serve", "--config", "--help"}, {"serve", "--conf", "x"},
                {"serve", "--config", "a", "extra"}, {"-H", "unix:///x", "serve"}}) {
            assertThat(Main.serveConfig(args)).as(String.join(" ", args)).isNull();
        }
    }
}
