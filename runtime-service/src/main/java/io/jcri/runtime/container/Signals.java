package io.jcri.runtime.container;

import io.jcri.cri.CriException;
import io.jcri.cri.v1.Signal;
import java.util.Locale;
import java.util.Map;

/** Signal names (as in an image's STOPSIGNAL or the CRI enum) and their Linux x86_64 numbers. */
public final class Signals {
    public static final int SIGTERM = 15;

    private static final Map<String, Integer> NUMBERS = Map.ofEntries(
            Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4),
            Map.entry("TRAP", 5), Map.entry("ABRT", 6), Map.entry("IOT", 6), Map.entry("BUS", 7),
            Map.entry("FPE", 8), Map.entry("KILL", 9), Map.entry("USR1", 10), Map.entry("SEGV", 11),
            Map.entry("USR2", 12), Map.entry("PIPE", 13), Map.entry("ALRM", 14), Map.entry("TERM", 15),
            Map.entry("STKFLT", 16), Map.entry("CHLD", 17), Map.entry("CLD", 17), Map.entry("CONT", 18),
            Map.entry("STOP", 19), Map.entry("TSTP", 20), Map.entry("TTIN", 21), Map.entry("TTOU", 22),
            Map.entry("URG", 23), Map.entry("XCPU", 24), Map.entry("XFSZ", 25), Map.entry("VTALRM", 26),
            Map.entry("PROF", 27), Map.entry("WINCH", 28), Map.entry("IO", 29), Map.entry("POLL", 29),
            Map.entry("PWR", 30), Map.entry("SYS", 31), Map.entry("RTMIN", 34), Map.entry("RTMAX", 64));

    private static final int MAX_SIGNAL = 64;

    private Signals() {
    }

    /** The number of a signal given as {@code SIGTERM}, {@code TERM}, {@code 15} or {@code RTMIN+3}; 0 if empty. */
    public static int parse(String signal) {
        if (signal == null || signal.isBlank()) {
            return 0;
        }
        String s = signal.strip().toUpperCase(Locale.ROOT);
        Integer n;
        if (s.matches("\\d{1,2}")) {
            n = Integer.parseInt(s);
        } else {
            s = s.startsWith("SIG") ? s.substring(3) : s;
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("RTMIN\\+(\\d{1,2})").matcher(s);
            n = m.matches() ? Integer.valueOf(34 + Integer.parseInt(m.group(1))) : NUMBERS.get(s);
        }
        if (n == null || n > MAX_SIGNAL) {
            throw CriException.invalid("unknown signal '" + signal + "'");
        }
        return n;
    }

    /** The number of a CRI stop signal, 0 for RUNTIME_DEFAULT. */
    public static int of(Signal signal) {
        if (signal == Signal.SIGNAL_RUNTIME_DEFAULT || signal == Signal.UNRECOGNIZED) {
            return 0;
        }
        String name = signal.name().substring("SIGNAL_".length()).replace("PLUS", "+").replace("MINUS", "-");
        if (name.startsWith("SIGRTMAX-")) {
            return 64 - Integer.parseInt(name.substring("SIGRTMAX-".length()));
        }
        return parse(name);
    }

    /** The CRI enum value for a signal number (RUNTIME_DEFAULT when there is none). */
    public static Signal toCri(int number) {
        for (Signal s : Signal.values()) {
            if (s != Signal.UNRECOGNIZED && s != Signal.SIGNAL_RUNTIME_DEFAULT && of(s) == number) {
                return s;
            }
        }
        return Signal.SIGNAL_RUNTIME_DEFAULT;
    }
}
