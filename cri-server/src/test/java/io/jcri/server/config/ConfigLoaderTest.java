package io.jcri.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
    @Test
    void missingFileMeansAllDefaults() {
        JcriConfig c = ConfigLoader.load(Path.of("/nonexistent/jcri.toml"));
        assertThat(c.server().socket()).isEqualTo("/run/jcri/jcri.sock");
        assertThat(c.state().root()).isEqualTo("/var/lib/jcri");
        assertThat(c.state().runRoot()).isEqualTo("/run/jcri");
        assertThat(c.runtime().handlers()).containsKeys("runc", "crun");
        assertThat(c.cni().confDir()).isEqualTo("/etc/cni/net.d");
    }

    @Test
    void partialSectionsKeepTheOtherDefaults() {
        JcriConfig c = ConfigLoader.parse("""
                [server]
                socket = "/tmp/x.sock"
                [image]
                max_concurrent_downloads = 5
                """, "test");
        assertThat(c.server().socket()).isEqualTo("/tmp/x.sock");
        assertThat(c.server().shutdownGraceSeconds()).isEqualTo(10);
        assertThat(c.image().maxConcurrentDownloads()).isEqualTo(5);
        assertThat(c.image().pullProgressTimeoutSeconds()).isEqualTo(300);
        assertThat(c.image().maxLayerUnpackedBytes()).isEqualTo(64L << 30);
        assertThat(ConfigLoader.parse("[image]\nmax_layer_unpacked_bytes = 1073741824\n", "test").image()
                .maxLayerUnpackedBytes()).isEqualTo(1L << 30);
        assertThat(c.image().platform()).as("the node's own").startsWith("linux/");
        assertThat(ConfigLoader.parse("[image]\nplatform = \"linux/arm64/v8\"\n", "test").image().platform())
                .isEqualTo("linux/arm64/v8");
    }

    @Test
    void unknownKeyIsNamed() {
        assertThatThrownBy(() -> ConfigLoader.parse("[server]\nsockett = \"/x\"\n", "f.toml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown key 'server.sockett'")
                .hasMessageContaining("socket");
    }

    @Test
    void unknownSectionIsNamed() {
        assertThatThrownBy(() -> ConfigLoader.parse("[sever]\nsocket = \"/x\"\n", "f.toml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown key 'sever'");
    }

    @Test
    void wrongTypeNamesKeyAndExpectation() {
        assertThatThrownBy(() -> ConfigLoader.parse("[image]\nmax_concurrent_downloads = \"many\"\n", "f.toml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("image.max_concurrent_downloads")
                .hasMessageContaining("an integer");
    }

    @Test
    void outOfRangeValuesAreRefused() {
        assertThatThrownBy(() -> ConfigLoader.parse("[streaming]\nport = 70000\n", "f.toml"))
                .hasMessageContaining("streaming.port");
        assertThatThrownBy(() -> ConfigLoader.parse("[image]\nmax_layer_unpacked_bytes = 0\n", "f.toml"))
                .hasMessageContaining("image.max_layer_unpacked_bytes");
        assertThatThrownBy(() -> ConfigLoader.parse("[image]\nplatform = \"arm64\"\n", "f.toml"))
                .hasMessageContaining("image.platform");
        assertThatThrownBy(() -> ConfigLoader.parse("[server]\nsocket = \"relative.sock\"\n", "f.toml"))
                .hasMessageContaining("absolute path");
        assertThatThrownBy(() -> ConfigLoader.parse("[runtime]\ndefault_handler = \"kata\"\n", "f.toml"))
                .hasMessageContaining("runtime.default_handler");
    }

    @Test
    void handlersTableReplacesTheDefaults() {
        JcriConfig c = ConfigLoader.parse("""
                [runtime]
                default_handler = "crun"
                [runtime.handlers.crun]
                binary = "/usr/bin/crun"
                """, "t");
        assertThat(c.runtime().handlers()).containsOnlyKeys("crun");
        assertThat(c.runtime().handlers().get("crun").binary()).isEqualTo("/usr/bin/crun");
    }

    @Test
    void invalidTomlIsReported() {
        assertThatThrownBy(() -> ConfigLoader.parse("[server\n", "f.toml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not valid TOML");
    }

    @Test
    void printedConfigParsesBackToTheSame() {
        JcriConfig d = JcriConfig.defaults();
        assertThat(ConfigLoader.parse(ConfigLoader.toToml(d), "printed")).isEqualTo(d);
    }

    @Test
    void remoteIsOffAndInspectOnUnderTheRunRootByDefault() {
        JcriConfig c = ConfigLoader.parse("[state]\nrun_root = \"/tmp/r\"\n", "t");
        assertThat(c.remote().enabled()).isFalse();
        assertThat(c.inspect().enabled()).isTrue();
        assertThat(c.inspectSocket()).isEqualTo("/tmp/r/jcri-inspect.sock");
        assertThat(JcriConfig.defaults().inspectSocket()).isEqualTo("/run/jcri/jcri-inspect.sock");
    }

    @Test
    void aRemoteAddressWithoutTlsFilesIsRefusedNamingEachKey() {
        assertThatThrownBy(() -> ConfigLoader.parse("[remote]\naddress = \"0.0.0.0:10010\"\n", "f.toml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'remote.tls_cert_file' is required")
                .hasMessageContaining("'remote.tls_key_file' is required")
                .hasMessageContaining("'remote.client_ca_file' is required")
                .hasMessageContaining("never plaintext");
    }

    @Test
    void remoteAddressAndFilesAreChecked() {
        String files = "tls_cert_file = \"/c.pem\"\ntls_key_file = \"/k.pem\"\nclient_ca_file = \"ca.pem\"\n";
        assertThatThrownBy(() -> ConfigLoader.parse("[remote]\naddress = \"10010\"\n" + files, "f.toml"))
                .hasMessageContaining("key 'remote.address' expects host:port")
                .hasMessageContaining("'remote.client_ca_file' expects an absolute path");
        assertThatThrownBy(() -> ConfigLoader.parse("[remote]\naddress = \"h:99999\"\n" + files, "f.toml"))
                .hasMessageContaining("remote.address");
        assertThatThrownBy(() -> ConfigLoader.parse("[inspect]\nsocket = \"x.sock\"\n", "f.toml"))
                .hasMessageContaining("inspect.socket");
    }

    @Test
    void aCompleteRemoteSectionParses() {
        JcriConfig c = ConfigLoader.parse("""
                [remote]
                address = "[::1]:10010"
                tls_cert_file = "/etc/jcri/tls/server.pem"
                tls_key_file = "/etc/jcri/tls/server-key.pem"
                client_ca_file = "/etc/jcri/tls/ca.pem"
                allowed_subjects = ["kubelet-node1", "ops"]
                """, "t");
        assertThat(c.remote().enabled()).isTrue();
        assertThat(c.remote().allowedSubjects()).containsExactly("kubelet-node1", "ops");
        assertThat(ConfigLoader.parse(ConfigLoader.toToml(c), "printed")).isEqualTo(c);
    }
}
