package io.jcri.runtime.container;

import io.jcri.cri.CriException;
import io.jcri.oci.mount.SecureJoin;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds who a container runs as, the way kubelet expects: the config's user (by name or uid) or else the image's
 * {@code User}, looked up in the container's own /etc/passwd and /etc/group (resolved inside the rootfs, never
 * through a link to the host's files).
 */
public final class UserResolver {
    private static final long MAX_ID = 0xFFFF_FFFFL;

    private final List<Passwd> passwd;
    private final List<Group> groups;

    /** One /etc/passwd line. */
    record Passwd(String name, long uid, long gid) {
    }

    /** One /etc/group line. */
    record Group(String name, long gid, List<String> members) {
    }

    /** The resolved user: uid, primary gid, and the additional gids (the primary one first). */
    public record ResolvedUser(long uid, long gid, List<Long> additionalGids) {
    }

    UserResolver(String passwdText, String groupText) {
        this.passwd = parsePasswd(passwdText);
        this.groups = parseGroups(groupText);
    }

    /** Reads the rootfs' /etc/passwd and /etc/group; missing files are empty. */
    public static UserResolver of(Path rootfs) {
        return new UserResolver(read(rootfs, "/etc/passwd"), read(rootfs, "/etc/group"));
    }

    /**
     * @param username         the config's run_as_username, empty if unset
     * @param uid              the config's run_as_user, null if unset
     * @param gid              the config's run_as_group, null if unset
     * @param imageUser        the image's User ({@code user[:group]}), empty if unset
     * @param supplemental     the config's supplemental groups
     * @param strict           the Strict policy: no groups from /etc/group, only the config's
     */
    public ResolvedUser resolve(String username, Long uid, Long gid, String imageUser, List<Long> supplemental,
                                boolean strict) {
        if (gid != null && username.isEmpty() && uid == null) {
            throw CriException.invalid("run_as_group needs run_as_user or run_as_username");
        }
        Optional<Passwd> entry;
        long resolvedUid;
        Long resolvedGid = null;
        if (!username.isEmpty()) {
            entry = byName(username);
            resolvedUid = entry.orElseThrow(() -> CriException.invalid("user '" + username
                    + "' is not in the container's /etc/passwd")).uid();
        } else if (uid != null) {
            resolvedUid = uid;
            entry = byUid(uid);
        } else if (!imageUser.isEmpty()) {
            String[] ug = imageUser.split(":", 2);
            if (isId(ug[0])) {
                resolvedUid = Long.parseLong(ug[0]);
                entry = byUid(resolvedUid);
            } else {
                entry = byName(ug[0]);
                resolvedUid = entry.orElseThrow(() -> CriException.invalid("the image's user '" + ug[0]
                        + "' is not in the container's /etc/passwd")).uid();
            }
            if (ug.length == 2 && !ug[1].isEmpty()) {
                resolvedGid = groupId(ug[1]);
            }
        } else {
            resolvedUid = 0;
            entry = byUid(0);
        }
        long primary = gid != null ? gid : resolvedGid != null ? resolvedGid : entry.map(Passwd::gid).orElse(0L);
        Set<Long> extra = new LinkedHashSet<>();
        extra.add(primary);
        if (!strict && entry.isPresent()) {
            String name = entry.get().name();
            groups.stream().filter(g -> g.members().contains(name)).forEach(g -> extra.add(g.gid()));
        }
        extra.addAll(supplemental);
        return new ResolvedUser(resolvedUid, primary, List.copyOf(extra));
    }

    private long groupId(String group) {
        if (isId(group)) {
            return Long.parseLong(group);
        }
        return groups.stream().filter(g -> g.name().equals(group)).findFirst().map(Group::gid).orElseThrow(() ->
                CriException.invalid("group '" + group + "' is not in the container's /etc/group"));
    }

    private Optional<Passwd> byName(String name) {
        return passwd.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    private Optional<Passwd> byUid(long uid) {
        return passwd.stream().filter(p -> p.uid() == uid).findFirst();
    }

    /** The largest /etc/passwd or /etc/group read from an image: the image, not jcri, decides their size. */
    static final int MAX_FILE = 4 << 20;

    private static String read(Path rootfs, String file) {
        try {
            Path p = SecureJoin.resolve(rootfs, file);
            if (!Files.isRegularFile(p)) {
                return "";
            }
            try (var in = Files.newInputStream(p)) {
                byte[] bytes = in.readNBytes(MAX_FILE + 1);
                if (bytes.length > MAX_FILE) {
                    throw CriException.invalid(file + " in the image is larger than " + (MAX_FILE >> 20)
                            + " MiB; refusing to read it to look up the container's user");
                }
                return new String(bytes, StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw CriException.invalid("cannot read " + file + " in the container: " + e.getMessage());
        }
    }

    /** Whether {@code s} is a decimal uid or gid: digits of a number that fits the kernel's 32-bit ids. */
    private static boolean isId(String s) {
        return s.matches("\\d{1,10}") && Long.parseLong(s) <= MAX_ID;
    }

    private static List<Passwd> parsePasswd(String text) {
        List<Passwd> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.split(":", -1);
            if (f.length >= 4 && isId(f[2]) && isId(f[3])) {
                out.add(new Passwd(f[0], Long.parseLong(f[2]), Long.parseLong(f[3])));
            }
        }
        return out;
    }

    private static List<Group> parseGroups(String text) {
        List<Group> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.split(":", -1);
            if (f.length >= 3 && isId(f[2])) {
                List<String> members = f.length >= 4 && !f[3].isBlank() ? List.of(f[3].strip().split(","))
                        : List.of();
                out.add(new Group(f[0], Long.parseLong(f[2]), members));
            }
        }
        return out;
    }
}
