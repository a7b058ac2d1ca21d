package io.jcri.oci.cgroup;

import java.util.List;
import java.util.Map;

/**
 * Everything the metrics of one cgroup are made of, beyond the {@link CgroupStats.Sample} that stats calls read:
 * CPU split and throttling, the parts of memory, I/O by device, processes and the limits in force. Counters the
 * kernel does not keep for this cgroup version read as 0 (memory failcnt and kernel usage need their v1 files).
 *
 * @param sample             the counters stats calls read
 * @param cpuUserNanos       CPU time in user mode
 * @param cpuSystemNanos     CPU time in kernel mode
 * @param cfsPeriods         enforcement periods elapsed (with a quota)
 * @param cfsThrottled       periods in which the cgroup was throttled
 * @param cfsThrottledNanos  time spent throttled
 * @param memoryMaxUsage     the highest usage seen (v2: memory.peak, 0 on kernels without it)
 * @param cache              page cache bytes
 * @param kernel             kernel memory bytes
 * @param mappedFile         bytes of mapped files
 * @param activeFile         active file-backed bytes
 * @param inactiveFile       inactive file-backed bytes
 * @param failcnt            times usage hit the limit (v1 memory.failcnt, v2 the "max" memory event)
 * @param oomKills           processes killed by the OOM killer in the cgroup
 * @param processIds         the processes in the cgroup, at most {@link CgroupDetailReader#MAX_PROCESSES}
 * @param processes          how many processes the cgroup has (all of them, not only those listed)
 * @param threads            tasks (threads) in the cgroup
 * @param threadsMax         the pids limit, 0 for none
 * @param cpuPeriodMicros    the CFS period
 * @param cpuShares          the CPU shares (v2: converted back from cpu.weight as runc converts them there)
 * @param memoryReservation  the soft limit (v2: memory.low), 0 for none
 * @param memorySwapLimit    memory plus swap limit as OCI means it, 0 for none
 * @param devices            I/O by block device
 */
public record CgroupDetail(CgroupStats.Sample sample, long cpuUserNanos, long cpuSystemNanos, long cfsPeriods,
                           long cfsThrottled, long cfsThrottledNanos, long memoryMaxUsage, long cache, long kernel,
                           long mappedFile, long activeFile, long inactiveFile, long failcnt, long oomKills,
                           List<Integer> processIds, long processes, long threads, long threadsMax,
                           long cpuPeriodMicros, long cpuShares, long memoryReservation, long memorySwapLimit,
                           List<BlockDevice> devices) {
    public CgroupDetail {
        processIds = List.copyOf(processIds);
        devices = List.copyOf(devices);
    }

    /**
     * The I/O of the cgroup on one block device.
     *
     * @param bytes bytes by operation, lower case (read, write, and as the kernel splits them: sync, async,
     *              discard, total)
     * @param ios   completed requests by operation, the same names
     */
    public record BlockDevice(int major, int minor, Map<String, Long> bytes, Map<String, Long> ios) {
        public BlockDevice {
            bytes = Map.copyOf(bytes);
            ios = Map.copyOf(ios);
        }

        /** {@code major:minor}, as containerd labels the device. */
        public String name() {
            return major + ":" + minor;
        }
    }
}
