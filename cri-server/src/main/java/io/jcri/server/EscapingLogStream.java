package io.jcri.server;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The daemon's standard error, where every log record goes (slf4j-simple prints each record, and each line of a
 * stack trace, with one {@code println}): control characters inside a line are escaped, so that a string from
 * outside (a certificate subject, a container name, an image reference, a registry's error text) cannot end its
 * record and write a forged one. Tabs stay, for stack traces.
 */
final class EscapingLogStream extends PrintStream {
    EscapingLogStream(PrintStream target) {
        super(target, true, StandardCharsets.UTF_8);
    }

    @Override
    public void println(String line) {
        super.println(escape(line));
    }

    @Override
    public void println(Object line) {
        super.println(escape(String.valueOf(line)));
    }

    static String escape(String s) {
        if (s == null) {
            return null;
        }
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean control = c != '\t' && (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028'
                    || c == '\u2029');
            if (control && b == null) {
                b = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (b != null) {
                if (!control) {
                    b.append(c);
                } else if (c == '\n') {
                    b.append("\\n");
                } else if (c == '\r') {
                    b.append("\\r");
                } else {
                    b.append(String.format("\\u%04x", (int) c));
                }
            }
        }
        return b == null ? s : b.toString();
    }
}
