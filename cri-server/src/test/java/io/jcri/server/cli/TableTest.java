package io.jcri.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class TableTest {
    @Test
    void columnsAreAlignedThreeSpacesApart() {
        StringWriter out = new StringWriter();
        new Table("ID", "NAME").row("abc", "x").row("a", "longer").print(new PrintWriter(out));
        assertThat(out.toString()).isEqualTo("ID    NAME\nabc   x\na     longer\n");
    }

    @Test
    void idsSizesAndAgesReadLikeCrictls() {
        assertThat(Table.shortId("sha256:0123456789abcdef0123")).isEqualTo("0123456789abc");
        assertThat(Table.shortId("abc")).isEqualTo("abc");
        assertThat(Table.size(999)).isEqualTo("999B");
        assertThat(Table.size(1_234_567)).isEqualTo("1.23MB");
        long now = 1_000_000_000_000_000L;
        assertThat(Table.ago(now - 5_000_000_000L, now)).isEqualTo("5 seconds ago");
        assertThat(Table.ago(now - 3 * 3_600_000_000_000L, now)).isEqualTo("3 hours ago");
        assertThat(Table.ago(0, now)).isEqualTo("-");
    }
}
