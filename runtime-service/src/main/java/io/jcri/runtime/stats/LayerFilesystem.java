package io.jcri.runtime.stats;

import io.jcri.oci.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The filesystem the writable layers live on: its device ({@code major:minor}, as block I/O metrics name devices)
 * and its size and inodes.
 */
record LayerFilesystem(String device, Syscalls.FsSpace space) {
    /** Reads the filesystem holding {@code dir}: one stat and one statfs. */
    static LayerFilesystem of(Path dir) throws IOException {
        long dev = (Long) Files.getAttribute(dir, "unix:dev");
        // glibc's gnu_dev_major/minor: the 64-bit dev_t keeps 12 bits of major and 20 of minor, split.
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
        long minor = (dev & 0xff) | ((dev >>> 12) & 0xffffff00L);
        return new LayerFilesystem(major + ":" + minor, Syscalls.statfs(dir.toString()));
    }
}
