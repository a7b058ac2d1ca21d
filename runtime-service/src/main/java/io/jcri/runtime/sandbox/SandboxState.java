package io.jcri.runtime.sandbox;

/** Where a sandbox is in its life: being made, running, stopped, or being removed. */
public enum SandboxState {
    CREATING,
    READY,
    NOTREADY,
    REMOVING
}
