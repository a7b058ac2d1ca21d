package io.jcri.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;

class DownloadSlotTest {
    private final Semaphore permits = new Semaphore(2);

    @Test
    void holdsAPermitFromOpeningToClosingOnce() throws Exception {
        InputStream in = DownloadSlot.open(permits, () -> new ByteArrayInputStream(new byte[] {1, 2}));
        assertThat(permits.availablePermits()).isEqualTo(1);
        assertThat(in.readAllBytes()).containsExactly(1, 2);
        in.close();
        in.close();
        assertThat(permits.availablePermits()).isEqualTo(2);
    }

    @Test
    void givesThePermitBackWhenTheBlobCannotBeOpened() {
        assertThatThrownBy(() -> DownloadSlot.open(permits, () -> {
            throw new IOException("registry gone");
        })).hasMessage("registry gone");
        assertThat(permits.availablePermits()).isEqualTo(2);
    }
}
