package io.jcri.oci.ns;

import io.jcri.oci.sys.Syscalls;

/** The namespace kinds jcri pins for a pod, with their clone flag and their name under {@code /proc/<tid>/ns}. */
public enum NsType {
    NET(Syscalls.CLONE_NEWNET, "net"),
    IPC(Syscalls.CLONE_NEWIPC, "ipc"),
    UTS(Syscalls.CLONE_NEWUTS, "uts");

    private final int flag;
    private final String procName;

    NsType(int flag, String procName) {
        this.flag = flag;
        this.procName = procName;
    }

    public int flag() {
        return flag;
    }

    /** The entry name under {@code /proc/<tid>/ns/}. */
    public String procName() {
        return procName;
    }
}
