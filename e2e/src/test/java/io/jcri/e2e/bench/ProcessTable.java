package io.jcri.e2e.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The host's processes at one moment, as /proc shows them: each one's parent and command line. A process that ends
 * while the table is read is simply left out.
 */
final class ProcessTable {
    private record Entry(long pid, long ppid, String cmdline) {
    }

    private final Map<Long, Entry> byPid;

    private ProcessTable(Map<Long, Entry> byPid) {
        this.byPid = byPid;
    }

    static ProcessTable read() {
        Map<Long, Entry> entries = new HashMap<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                long pid = Long.parseLong(p.getFileName().toString());
                try {
                    String stat = Files.readString(p.resolve("stat"), StandardCharsets.UTF_8);
                    // The command name, in brackets, may hold spaces and brackets: fields are counted after it.
                    String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                            .replace('\0', ' ').strip();
                    entries.put(pid, new Entry(pid, Long.parseLong(after[1]), cmdline));
                } catch (IOException gone) {
                    // ended between the listing and the read: not part of the snapshot
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return new ProcessTable(entries);
    }

    /** The pids whose command line matches. */
    Set<Long> matching(Predicate<String> cmdline) {
        Set<Long> out = new TreeSet<>();
        byPid.values().stream().filter(e -> cmdline.test(e.cmdline())).forEach(e -> out.add(e.pid()));
        return out;
    }

    /**
     * {@code roots} (those still running) and every process below them, except the subtrees of processes whose
     * command line {@code excluded} matches.
     */
    Set<Long> trees(Set<Long> roots, Predicate<String> excluded) {
        Map<Long, List<Long>> children = new HashMap<>();
        byPid.values().forEach(e -> children.computeIfAbsent(e.ppid(), k -> new ArrayList<>()).add(e.pid()));
        Set<Long> out = new TreeSet<>();
        Deque<Long> todo = new ArrayDeque<>(roots.stream().filter(byPid::containsKey).toList());
        while (!todo.isEmpty()) {
            long pid = todo.pop();
            if (excluded.test(byPid.get(pid).cmdline()) || !out.add(pid)) {
                continue;
            }
            todo.addAll(children.getOrDefault(pid, List.of()));
        }
        return out;
    }

    /**
     * The processes a runtime keeps for its pods: its monitors (by their command lines, which name the daemon's
     * scratch directory) and everything below them and below the daemon (containerd's pause containers, jcri's
     * infra processes of shared-PID pods), but not the pods' own workload ({@link BenchPods#WORKLOAD}).
     */
    Set<Long> perPod(BenchDaemon daemon) {
        Set<Long> roots = new HashSet<>(matching(daemon::isMonitor));
        roots.add(daemon.pid());
        Set<Long> all = new HashSet<>(trees(roots, BenchPods.WORKLOAD::contains));
        all.remove(daemon.pid());
        return all;
    }
}
