package io.jcri.runtime.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RollbackTest {
    @Test
    void undosRunNewestFirstAndAllRunWhenOneFails() {
        List<String> ran = new ArrayList<>();
        Rollback rollback = new Rollback("container c1");
        rollback.add("remove the directory", () -> ran.add("directory"));
        rollback.add("unmount the rootfs", () -> {
            ran.add("unmount");
            throw new IOException("device busy");
        });
        rollback.add("delete the runtime's container", () -> ran.add("runtime"));
        RuntimeException cause = new RuntimeException("create failed");

        List<String> left = rollback.run(cause);

        assertThat(ran).containsExactly("runtime", "unmount", "directory");
        assertThat(left).containsExactly("unmount the rootfs");
        assertThat(cause.getSuppressed()).singleElement().extracting(Throwable::getMessage).isEqualTo("device busy");
        assertThat(rollback.run(cause)).as("each undo runs once").isEmpty();
    }

    @Test
    void nothingLeftWhenEveryUndoSucceeds() {
        Rollback rollback = new Rollback("sandbox p1");
        rollback.add("unpin", () -> { });
        RuntimeException cause = new RuntimeException("run failed");
        assertThat(rollback.run(cause)).isEmpty();
        assertThat(cause.getSuppressed()).isEmpty();
    }
}
