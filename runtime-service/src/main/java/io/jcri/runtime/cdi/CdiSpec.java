package io.jcri.runtime.cdi;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One CDI spec file, validated as the CDI specification's reference library does: a known {@code cdiVersion} (up to
 * the current 1.1.0), a {@code kind} of {@code vendor/class}, at least one device, device names unique and
 * valid, every device with edits of its own, and every edit well formed. Unknown fields are refused.
 *
 * @param devices each device's own edits by name
 * @param edits   the edits the spec makes for any of its devices
 */
record CdiSpec(String vendor, String deviceClass, Map<String, ContainerEdits> devices, ContainerEdits edits) {
    static final Set<String> VERSIONS = Set.of("0.3.0", "0.4.0", "0.5.0", "0.6.0", "0.7.0", "0.8.0", "1.0.0",
            "1.1.0");
    private static final Pattern VENDOR_OR_CLASS = Pattern.compile("[A-Za-z]([A-Za-z0-9_.-]*[A-Za-z0-9])?");
    private static final Pattern DEVICE_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9_.:-]*[A-Za-z0-9])?");
    /** YAML reads JSON as well. */
    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    /** The file's shape as the CDI specification writes it. */
    private record File(String cdiVersion, String kind, Map<String, String> annotations, List<Device> devices,
                        ContainerEdits containerEdits) {
    }

    private record Device(String name, Map<String, String> annotations, ContainerEdits containerEdits) {
    }

    /**
     * Parses and validates a spec file's bytes.
     *
     * @throws IllegalArgumentException saying everything that is wrong
     */
    static CdiSpec parse(byte[] bytes) {
        File f;
        try {
            f = YAML.readValue(bytes, File.class);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not a CDI spec: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("unreadable: " + e.getMessage());
        }
        if (f == null) {
            throw new IllegalArgumentException("empty");
        }
        List<String> problems = new ArrayList<>();
        String version = f.cdiVersion() == null ? "" : f.cdiVersion().replaceFirst("^v", "");
        if (!VERSIONS.contains(version)) {
            problems.add("cdiVersion '" + f.cdiVersion() + "' is none of " + VERSIONS.stream().sorted().toList());
        }
        String kind = f.kind() == null ? "" : f.kind();
        int slash = kind.indexOf('/');
        String vendor = slash < 0 ? "" : kind.substring(0, slash);
        String deviceClass = slash < 0 ? "" : kind.substring(slash + 1);
        if (!validVendorOrClass(vendor) || !validVendorOrClass(deviceClass)) {
            problems.add("kind '" + kind + "' is not vendor/class (letters, digits, '_', '-', '.'; starting with a "
                    + "letter)");
        }
        ContainerEdits common = f.containerEdits() == null ? ContainerEdits.NONE : f.containerEdits();
        common.problems().forEach(p -> problems.add("spec edits: " + p));
        Map<String, ContainerEdits> devices = new LinkedHashMap<>();
        for (Device d : f.devices() == null ? List.<Device>of() : f.devices()) {
            String name = d.name() == null ? "" : d.name();
            if (!DEVICE_NAME.matcher(name).matches()) {
                problems.add("device name '" + name + "' is invalid");
            }
            ContainerEdits edits = d.containerEdits() == null ? ContainerEdits.NONE : d.containerEdits();
            if (edits.isEmpty()) {
                problems.add("device " + name + " has no container edits");
            }
            edits.problems().forEach(p -> problems.add("device " + name + ": " + p));
            if (devices.put(name, edits) != null) {
                problems.add("device " + name + " is defined twice");
            }
        }
        if (devices.isEmpty()) {
            problems.add("no devices");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return new CdiSpec(vendor, deviceClass, devices, common);
    }

    static boolean validVendorOrClass(String s) {
        return VENDOR_OR_CLASS.matcher(s).matches();
    }

    static boolean validDeviceName(String s) {
        return DEVICE_NAME.matcher(s).matches();
    }

    String kind() {
        return vendor + "/" + deviceClass;
    }
}
