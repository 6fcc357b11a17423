package dev.gatun.cgroups;

import java.util.Map;

/**
 * Usage counters of one cgroup at one moment. -1 means this host does not report the value.
 *
 * <p>v2 sources: {@code memory.current}, {@code memory.peak}, {@code memory.stat}, {@code cpu.stat}
 * (usage_usec, user_usec, system_usec, nr_periods, nr_throttled, throttled_usec), {@code pids.current},
 * {@code pids.peak}, {@code io.stat}, {@code cpu|memory|io.pressure}. v1 sources:
 * {@code memory.usage_in_bytes}, {@code memory.max_usage_in_bytes}, {@code memory.stat},
 * {@code cpuacct.usage} (ns, converted to µs), {@code cpuacct.stat} (ticks of 10 ms),
 * {@code cpu.stat}, {@code pids.current}, {@code blkio.throttle.io_service_bytes}; v1 has no PSI
 * per cgroup.
 *
 * @param memoryBytes memory in use, page cache included
 * @param memoryPeakBytes the highest memory use seen
 * @param memoryStat the {@code memory.stat} fields
 * @param cpuUsageMicros CPU time used, user plus system
 * @param cpuUserMicros user CPU time
 * @param cpuSystemMicros system CPU time
 * @param cpuPeriods CFS bandwidth periods that have elapsed with a quota set and tasks runnable
 * @param cpuThrottledPeriods periods in which the quota ran out
 * @param cpuThrottledMicros time spent throttled
 * @param pids tasks inside
 * @param pidsPeak the most tasks seen
 * @param io the raw io statistics file, empty when absent
 * @param pressure PSI file name → its two lines ("some ...", "full ..."), v2 only
 */
public record CgroupStats(long memoryBytes, long memoryPeakBytes, Map<String, Long> memoryStat,
        long cpuUsageMicros, long cpuUserMicros, long cpuSystemMicros, long cpuPeriods, long cpuThrottledPeriods,
        long cpuThrottledMicros, long pids, long pidsPeak, String io, Map<String, String> pressure) {

    public CgroupStats {
        memoryStat = Map.copyOf(memoryStat);
        pressure = Map.copyOf(pressure);
    }
}
