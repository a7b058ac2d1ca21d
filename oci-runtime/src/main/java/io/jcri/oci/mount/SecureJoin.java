package io.jcri.oci.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Resolves a path inside a root directory as if the root were {@code /}: symlinks are followed relative to the
 * root, and {@code ..} never climbs above it, so a hostile image cannot point a lookup at the host's files.
 */
public final class SecureJoin {
    private static final int MAX_LINKS = 255;

    private SecureJoin() {
    }

    /** The host path of {@code path} inside {@code root}; components that do not exist are kept as given. */
    public static Path resolve(Path root, String path) throws IOException {
        Deque<String> todo = new ArrayDeque<>();
        push(todo, path);
        Deque<String> done = new ArrayDeque<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String part = todo.pop();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                done.pollLast();
                continue;
            }
            Path candidate = join(root, done).resolve(part);
            if (Files.isSymbolicLink(candidate)) {
                if (++links > MAX_LINKS) {
                    throw new IOException("too many symbolic links resolving " + path + " in " + root);
                }
                String target = Files.readSymbolicLink(candidate).toString();
                if (target.startsWith("/")) {
                    done.clear();
                }
                push(todo, target);
                continue;
            }
            done.addLast(part);
            if (!Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
                while (!todo.isEmpty()) {
                    String rest = todo.pop();
                    if (rest.equals("..")) {
                        done.pollLast();
                    } else if (!rest.isEmpty() && !rest.equals(".")) {
                        done.addLast(rest);
                    }
                }
            }
        }
        return join(root, done);
    }

    private static void push(Deque<String> todo, String path) {
        String[] parts = path.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            todo.push(parts[i]);
        }
    }

    private static Path join(Path root, Deque<String> parts) {
        Path p = root;
        for (String s : parts) {
            p = p.resolve(s);
        }
        return p;
    }
}
