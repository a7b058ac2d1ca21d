package io.jcri.oci.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import io.jcri.oci.sys.Syscalls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupManagerTest {
    @TempDir
    Path root;

    @Test
    void cgroupDirectoriesAreMade0755WhateverTheDaemonsUmask() throws Exception {
        Files.createDirectories(root.resolve("memory"));
        CgroupManager cgroups = new CgroupManager(new CgroupLayout(false,
                List.of(new CgroupLayout.Hierarchy(root.resolve("memory").toString(), Set.of("memory")))),
                CgroupDriver.CGROUPFS);
        int previous = Syscalls.umask(077);
        try {
            cgroups.create("/jcri/pod-a/c1", CgroupResources.NONE);
        } finally {
            Syscalls.umask(previous);
        }
        for (String dir : List.of("memory/jcri", "memory/jcri/pod-a", "memory/jcri/pod-a/c1")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve(dir))))
                    .as(dir).isEqualTo("rwxr-xr-x");
        }
    }
}
