package io.jcri.runtime.cdi;

import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CDI devices of this node: the spec files ({@code *.json}, {@code *.yaml}) in the configured directories, read
 * again whenever a file there was added, changed or removed since the last request that named devices. A later
 * directory overrides an earlier one (by default {@code /var/run/cdi}, written by drivers, over {@code /etc/cdi});
 * a device defined twice in the directory that counts is ambiguous. A file that is not a valid spec is left out,
 * with a warning, and named when a device cannot be found.
 */
public final class CdiRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(CdiRegistry.class);
    /** The CDI specification's defaults, lowest priority first. */
    public static final List<Path> DEFAULT_DIRS = List.of(Path.of("/etc/cdi"), Path.of("/var/run/cdi"));

    /** One file as last seen: identity, size and change time; any difference means it is read again. */
    private record Seen(Object key, long size, long modified) {
    }

    /** A device as found: its edits after its spec's, and where it is defined. */
    private record Found(ContainerEdits specEdits, ContainerEdits edits, List<Path> files, int priority) {
    }

    private final List<Path> dirs;
    private Map<Path, Seen> seen = Map.of();
    private Map<String, Found> devices = Map.of();
    private Map<Path, String> invalid = Map.of();

    public CdiRegistry(List<Path> dirs) {
        this.dirs = List.copyOf(dirs);
    }

    /**
     * The edits the named devices make, in order: the edits of each spec used (once) followed by each device's.
     * An empty list touches no file.
     *
     * @throws CriException INVALID_ARGUMENT for a name that is not {@code vendor/class=name} or that two
     *                                 files define, NOT_FOUND for a device no spec defines; each naming the device
     */
    public synchronized ContainerEdits resolve(List<String> names) {
        if (names.isEmpty()) {
            return ContainerEdits.NONE;
        }
        refresh();
        ContainerEdits out = ContainerEdits.NONE;
        List<String> specsUsed = new ArrayList<>();
        List<ContainerEdits> deviceEdits = new ArrayList<>();
        for (String name : new LinkedHashSet<>(names)) {
            Found f = devices.get(qualified(name));
            if (f == null) {
                throw CriException.notFound("CDI device " + name + " is defined by no spec in " + dirs
                        + (invalid.isEmpty() ? "" : " (invalid specs left out: " + invalid + ")"));
            }
            if (f.files().size() > 1) {
                throw CriException.invalid("CDI device " + name + " is ambiguous: defined by each of "
                        + f.files());
            }
            if (!f.edits().netDevices().isEmpty() || f.edits().intelRdt() != null
                    || !f.specEdits().netDevices().isEmpty() || f.specEdits().intelRdt() != null) {
                throw CriException.invalid("CDI device " + name + " asks for netDevices or intelRdt, "
                        + "which jcri does not apply");
            }
            if (!specsUsed.contains(f.files().getFirst().toString())) {
                specsUsed.add(f.files().getFirst().toString());
                out = out.then(f.specEdits());
            }
            deviceEdits.add(f.edits());
        }
        for (ContainerEdits e : deviceEdits) {
            out = out.then(e);
        }
        return out;
    }

    private static String qualified(String name) {
        int eq = name.indexOf('=');
        int slash = name.indexOf('/');
        if (slash <= 0 || eq < slash || !CdiSpec.validVendorOrClass(name.substring(0, slash))
                || !CdiSpec.validVendorOrClass(name.substring(slash + 1, eq))
                || !CdiSpec.validDeviceName(name.substring(eq + 1))) {
            throw CriException.invalid("CDI device '" + name + "' is not a qualified name "
                    + "vendor/class=name");
        }
        return name;
    }

    /** Reads the directories again when any spec file there is new, changed or gone. */
    private void refresh() {
        Map<Path, Seen> now = new LinkedHashMap<>();
        for (Path dir : dirs) {
            for (Path f : specFiles(dir)) {
                try {
                    BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                    now.put(f, new Seen(a.fileKey(), a.size(), a.lastModifiedTime().toMillis()));
                } catch (IOException e) {
                    // gone since it was listed: as if it had never been there
                }
            }
        }
        if (now.equals(seen)) {
            return;
        }
        Map<String, Found> found = new HashMap<>();
        Map<Path, String> bad = new LinkedHashMap<>();
        for (int priority = 0; priority < dirs.size(); priority++) {
            for (Path f : specFiles(dirs.get(priority))) {
                CdiSpec spec;
                try {
                    spec = CdiSpec.parse(Files.readAllBytes(f));
                } catch (IOException | IllegalArgumentException e) {
                    LOG.warn("CDI spec {} left out: {}", f, e.getMessage());
                    bad.put(f, e.getMessage());
                    continue;
                }
                for (var d : spec.devices().entrySet()) {
                    String name = spec.kind() + "=" + d.getKey();
                    Found old = found.get(name);
                    if (old != null && old.priority() == priority) {
                        List<Path> files = new ArrayList<>(old.files());
                        files.add(f);
                        found.put(name, new Found(old.specEdits(), old.edits(), files, priority));
                    } else {
                        found.put(name, new Found(spec.edits(), d.getValue(), List.of(f), priority));
                    }
                }
            }
        }
        seen = now;
        devices = found;
        invalid = bad;
        LOG.info("CDI: {} devices from {} spec files in {}{}", found.size(), now.size() - bad.size(), dirs,
                bad.isEmpty() ? "" : ", " + bad.size() + " invalid left out");
    }

    private static List<Path> specFiles(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches(".*\\.(json|yaml)"))
                    .filter(Files::isRegularFile).sorted().toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new CriException(ErrorKind.INTERNAL, "cannot list CDI spec directory " + dir + ": "
                    + e.getMessage(), e);
        }
    }
}
