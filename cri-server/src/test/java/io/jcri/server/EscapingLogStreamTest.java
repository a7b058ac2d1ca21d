package io.jcri.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EscapingLogStreamTest {
    @Test
    void anOutsideStringCannotStartALineOfItsOwn() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream log = new EscapingLogStream(new PrintStream(out, true, StandardCharsets.UTF_8));

        log.println("WARN remote: refused a client with subject CN=x\n2026-01-01 INFO remote Exec by CN=admin\r\u001b[2J");
        log.println((Object) "a\u0085b\u2028c\td");

        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(
                "WARN remote: refused a client with subject CN=x\\n2026-01-01 INFO remote Exec by CN=admin\\r\\u001b[2J\n"
                        + "a\\u0085b\\u2028c\td\n");
    }

    @Test
    void aStackTraceKeepsItsLinesButNotTheMessagesNewlines() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new IllegalStateException("bad\nINFO forged").printStackTrace(
                new EscapingLogStream(new PrintStream(out, true, StandardCharsets.UTF_8)));

        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines[0]).isEqualTo("java.lang.IllegalStateException: bad\\nINFO forged");
        assertThat(lines[1]).startsWith("\tat ");
    }
}
