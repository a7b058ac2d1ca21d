package io.jcri.runtime.sandbox;

import io.jcri.cri.CriException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which sysctls a pod may set: only those the kernel namespaces, and only in a namespace the pod owns (network
 * sysctls need the pod's own network namespace, IPC ones its own IPC namespace). A name becomes a path under
 * {@code /proc/sys}, so it is checked component by component before anything is written: a name like
 * {@code net/../kernel/core_pattern} passes a prefix check and lands on the host's core pattern (CRI-O's
 * CVE-2022-0811 was of this kind).
 */
final class SysctlPolicy {
    /** Kubernetes' own limit on a sysctl name, which also bounds what is logged of a hostile one. */
    private static final int MAX_NAME = 253;
    /** One path component: letters, digits, '-' and '_', with single dots inside (an interface such as eth0.1). */
    private static final Pattern COMPONENT = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");
    private static final Pattern DOTTED_COMPONENT = Pattern.compile("[A-Za-z0-9_-]+");

    private SysctlPolicy() {
    }

    static void check(Map<String, String> sysctls, boolean ownNetwork, boolean ownIpc) {
        sysctls.forEach((key, value) -> {
            List<String> c = components(key);
            if (c.getFirst().equals("net")) {
                if (!ownNetwork) {
                    throw CriException.invalid("sysctl " + key + " needs the pod's own network "
                            + "namespace; it cannot be set for a pod using the host network");
                }
            } else if (ipc(c)) {
                if (!ownIpc) {
                    throw CriException.invalid("sysctl " + key + " needs the pod's own IPC namespace; "
                            + "it cannot be set for a pod using the host IPC namespace");
                }
            } else {
                throw CriException.invalid("sysctl " + key + " is not namespaced and would change the "
                        + "whole node; only net.*, kernel.shm*, kernel.msg*, kernel.sem and fs.mqueue.* are allowed");
            }
            if (value.indexOf('\0') >= 0 || value.length() > 4096) {
                throw CriException.invalid("sysctl " + key + " has a value with a NUL byte or over 4096 "
                        + "characters");
            }
        });
    }

    /**
     * The path components of a sysctl name in either of the forms Kubernetes accepts: dotted
     * ({@code net.ipv4.ip_forward}) or slashed, where dots are literal ({@code net/ipv4/conf/eth0.1/forwarding}).
     * Empty, {@code .} and {@code ..} components, absolute names and names over 253 characters are refused.
     */
    static List<String> components(String key) {
        if (key.isEmpty() || key.length() > MAX_NAME) {
            throw CriException.invalid("sysctl name '" + shortened(key) + "' is empty or longer than "
                    + MAX_NAME + " characters");
        }
        boolean slashed = key.indexOf('/') >= 0;
        List<String> parts = Arrays.asList(key.split(slashed ? "/" : "\\.", -1));
        Pattern allowed = slashed ? COMPONENT : DOTTED_COMPONENT;
        for (String p : parts) {
            if (!allowed.matcher(p).matches()) {
                throw CriException.invalid("sysctl name '" + key + "' has an empty, '.' or '..' "
                        + "component or a character outside [A-Za-z0-9._-]; it must name a file under /proc/sys");
            }
        }
        if (parts.size() < 2) {
            throw CriException.invalid("sysctl name '" + key + "' names no file under a sysctl group");
        }
        return parts;
    }

    private static boolean ipc(List<String> c) {
        String group = c.getFirst();
        String name = c.get(1);
        if (group.equals("kernel")) {
            return c.size() == 2 && (name.startsWith("shm") || name.startsWith("msg") || name.equals("sem"));
        }
        return group.equals("fs") && name.equals("mqueue") && c.size() > 2;
    }

    private static String shortened(String key) {
        return key.length() > 64 ? key.substring(0, 64) + "..." : key;
    }
}
