package io.jcri.runtime.sandbox;

import io.jcri.runtime.RuntimeServiceException;
import java.util.Map;

/**
 * Which sysctls a pod may set: only those the kernel namespaces, and only in a namespace the pod owns (network
 * sysctls need the pod's own network namespace, IPC ones its own IPC namespace).
 */
final class SysctlPolicy {
    private SysctlPolicy() {
    }

    static void check(Map<String, String> sysctls, boolean ownNetwork, boolean ownIpc) {
        sysctls.forEach((key, value) -> {
            String dotted = key.replace('/', '.');
            if (dotted.startsWith("net.")) {
                if (!ownNetwork) {
                    throw RuntimeServiceException.invalid("sysctl " + key + " needs the pod's own network "
                            + "namespace; it cannot be set for a pod using the host network");
                }
            } else if (dotted.startsWith("kernel.shm") || dotted.startsWith("kernel.msg")
                    || dotted.equals("kernel.sem") || dotted.startsWith("fs.mqueue.")) {
                if (!ownIpc) {
                    throw RuntimeServiceException.invalid("sysctl " + key + " needs the pod's own IPC namespace; "
                            + "it cannot be set for a pod using the host IPC namespace");
                }
            } else {
                throw RuntimeServiceException.invalid("sysctl " + key + " is not namespaced and would change the "
                        + "whole node; only net.*, kernel.shm*, kernel.msg*, kernel.sem and fs.mqueue.* are allowed");
            }
        });
    }
}
