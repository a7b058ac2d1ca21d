package io.jcri.oci.cgroup;

/**
 * The limits jcri sets on a cgroup, in cgroup v1 units (v2 values are converted). Zero or empty means "not set".
 *
 * @param cpuShares   relative CPU weight (v1 {@code cpu.shares}, 2..262144)
 * @param cpuQuotaUs  CPU time per period in microseconds, 0 for no limit
 * @param cpuPeriodUs the CFS period in microseconds
 * @param memoryLimit bytes, 0 for no limit
 * @param cpusetCpus  CPUs the cgroup may use, e.g. {@code "0-1"}
 * @param cpusetMems  memory nodes the cgroup may use
 */
public record CgroupResources(long cpuShares, long cpuQuotaUs, long cpuPeriodUs, long memoryLimit,
                              String cpusetCpus, String cpusetMems) {
    public static final CgroupResources NONE = new CgroupResources(0, 0, 0, 0, "", "");

    public CgroupResources {
        cpusetCpus = cpusetCpus == null ? "" : cpusetCpus;
        cpusetMems = cpusetMems == null ? "" : cpusetMems;
    }

    /** These limits with {@code extra} (a pod's overhead) added to the additive ones. */
    public CgroupResources plus(CgroupResources extra) {
        return new CgroupResources(add(cpuShares, extra.cpuShares), addQuota(extra),
                cpuPeriodUs > 0 ? cpuPeriodUs : extra.cpuPeriodUs, add(memoryLimit, extra.memoryLimit),
                cpusetCpus.isEmpty() ? extra.cpusetCpus : cpusetCpus,
                cpusetMems.isEmpty() ? extra.cpusetMems : cpusetMems);
    }

    private long addQuota(CgroupResources extra) {
        // An unlimited side keeps the sum unlimited: overhead must not turn "no limit" into a small one.
        return cpuQuotaUs > 0 && extra.cpuQuotaUs > 0 ? cpuQuotaUs + extra.cpuQuotaUs : cpuQuotaUs;
    }

    private static long add(long a, long b) {
        return a > 0 && b > 0 ? a + b : a;
    }
}
