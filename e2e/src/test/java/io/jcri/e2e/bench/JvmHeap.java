package io.jcri.e2e.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * A JVM's heap, committed and used, read from the performance counters it publishes in
 * {@code /tmp/hsperfdata_<user>/<pid>} (what {@code jstat -gc} reads): no attach, nothing run inside the daemon.
 * Committed is the sum of the generations' capacities, used the sum of their spaces' use, whatever the collector.
 *
 * @param committedKib the heap's committed size in KiB
 * @param usedKib      the heap's used size in KiB
 */
record JvmHeap(long committedKib, long usedKib) {
    private static final int MAGIC = 0xcafec0c0;
    private static final Pattern CAPACITY = Pattern.compile("sun\\.gc\\.generation\\.\\d+\\.capacity");
    private static final Pattern USED = Pattern.compile("sun\\.gc\\.generation\\.\\d+\\.space\\.\\d+\\.used");

    /** The heap of the JVM with {@code pid} run by root; zero when it publishes no counters (or is gone). */
    static JvmHeap of(long pid) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(Path.of("/tmp/hsperfdata_root", Long.toString(pid)));
        } catch (IOException none) {
            return new JvmHeap(0, 0);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (bytes.length < 32 || b.getInt(0) != MAGIC) {
            return new JvmHeap(0, 0);
        }
        // the prologue: magic, byte order (0 big, 1 little), versions, ..., entry offset at 24, entry count at 28
        b.order(bytes[4] == 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int at = b.getInt(24);
        int entries = b.getInt(28);
        long capacity = 0;
        long used = 0;
        for (int i = 0; i < entries && at + 20 <= bytes.length; i++) {
            // an entry: length, name offset, vector length, type, flags, units, variability, data offset
            int length = b.getInt(at);
            int nameAt = at + b.getInt(at + 4);
            int vector = b.getInt(at + 8);
            byte type = b.get(at + 12);
            int dataAt = at + b.getInt(at + 16);
            if (length <= 0) {
                break;
            }
            if (vector == 0 && type == 'J') {
                int end = nameAt;
                while (end < bytes.length && bytes[end] != 0) {
                    end++;
                }
                String name = new String(bytes, nameAt, end - nameAt, StandardCharsets.US_ASCII);
                if (CAPACITY.matcher(name).matches()) {
                    capacity += b.getLong(dataAt);
                } else if (USED.matcher(name).matches()) {
                    used += b.getLong(dataAt);
                }
            }
            at += length;
        }
        return new JvmHeap(capacity / 1024, used / 1024);
    }
}
