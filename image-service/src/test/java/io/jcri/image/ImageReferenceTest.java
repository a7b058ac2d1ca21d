package io.jcri.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ImageReferenceTest {
    private static final String D = "sha256:" + "ab".repeat(32);

    @ParameterizedTest
    @CsvSource({
            "busybox, docker.io/library/busybox:latest",
            "busybox:1.36, docker.io/library/busybox:1.36",
            "library/busybox, docker.io/library/busybox:latest",
            "docker.io/busybox, docker.io/library/busybox:latest",
            "index.docker.io/library/busybox:1, docker.io/library/busybox:1",
            "user/app, docker.io/user/app:latest",
            "gcr.io/k8s-staging-cri-tools/test-image-tags:1, gcr.io/k8s-staging-cri-tools/test-image-tags:1",
            "registry.k8s.io/pause:3.9, registry.k8s.io/pause:3.9",
            "localhost/app, localhost/app:latest",
            "127.0.0.1:5000/a/b/c:v1.2-rc_3, 127.0.0.1:5000/a/b/c:v1.2-rc_3",
            "my-registry:5000/app, my-registry:5000/app:latest",
            "a.b/x__y.z-w, a.b/x__y.z-w:latest",
    })
    void normalises(String in, String out) {
        assertThat(ImageReference.parse(in).toString()).isEqualTo(out);
    }

    @Test
    void digestWithoutTagKeepsNoTag() {
        ImageReference r = ImageReference.parse("busybox@" + D);
        assertThat(r.tag()).isNull();
        assertThat(r.digest()).isEqualTo(D);
        assertThat(r.taggedName()).isNull();
        assertThat(r.manifestReference()).isEqualTo(D);
        assertThat(r.toString()).isEqualTo("docker.io/library/busybox@" + D);
    }

    @Test
    void tagAndDigestKeepsBothAndPullsByDigest() {
        ImageReference r = ImageReference.parse("quay.io/x/y:1@" + D);
        assertThat(r.domain()).isEqualTo("quay.io");
        assertThat(r.path()).isEqualTo("x/y");
        assertThat(r.tag()).isEqualTo("1");
        assertThat(r.manifestReference()).isEqualTo(D);
        assertThat(r.digestedName("sha256:1")).isEqualTo("quay.io/x/y@sha256:1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "Busybox", "busybox:", "busybox:-x", "busybox@sha256:abc",
            "busybox@md5:" + "ab", "a//b", "/busybox", "busybox/", "bad host!/x", "x:y:z",
            "UPPER.io/Lower", "a..b/c", "localhost:99999/x", "localhost:123456789012/x"})
    void refusesBadReferences(String in) {
        assertThatThrownBy(() -> ImageReference.parse(in))
                .isInstanceOfSatisfying(CriException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining("image reference");
    }

    @Test
    void refusesOverlongNames() {
        assertThatThrownBy(() -> ImageReference.parse("x.io/" + "a".repeat(260)))
                .hasMessageContaining("longer than 255");
    }
}
