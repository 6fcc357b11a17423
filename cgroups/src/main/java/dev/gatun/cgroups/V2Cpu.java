package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.Path;

/** v2 cpu controller: cpu.weight (from shares), cpu.max, cpu.max.burst, cpu.idle. */
final class V2Cpu {

    static final String CONTROLLER = "cpu";

    private V2Cpu() {}

    static boolean needed(Resources.Cpu c) {
        return c.shares() != null || c.quota() != null || c.period() != null || c.burst() != null
                || c.idle() != null || c.realtimeRuntime() != null || c.realtimePeriod() != null;
    }

    static void apply(Resources.Cpu c, Path dir, LimitWriter w) throws IOException {
        if (c.shares() != null && c.shares() != 0) {
            w.write("cpu.shares", dir, "cpu.weight", Long.toString(Resources.Cpu.weightOf(c.shares())));
        }
        String max = cpuMax(c.quota(), c.period());
        if (max != null) {
            w.write(c.quota() != null ? "cpu.quota" : "cpu.period", dir, "cpu.max", max);
        }
        if (c.burst() != null) {
            w.write("cpu.burst", dir, "cpu.max.burst", c.burst().toString());
        }
        if (c.idle() != null) {
            w.write("cpu.idle", dir, "cpu.idle", c.idle().toString());
        }
        if (c.realtimeRuntime() != null) {
            w.unsupported("cpu.realtimeRuntime", LimitWriter.at(dir, "cpu.rt_runtime_us"), "cgroup v2 has no realtime bandwidth");
        }
        if (c.realtimePeriod() != null) {
            w.unsupported("cpu.realtimePeriod", LimitWriter.at(dir, "cpu.rt_period_us"), "cgroup v2 has no realtime bandwidth");
        }
    }

    /**
     * {@code cpu.max} is "$QUOTA $PERIOD" with "max" for no quota; the period may be left out to
     * keep the current one. Null when neither is set.
     */
    static String cpuMax(Long quota, Long period) {
        if (period != null && period == 0) {
            period = null; // Go's zero value: runc and crun read it as unset (the kernel refuses 0)
        }
        if (quota == null && period == null) {
            return null;
        }
        String q = quota == null || quota <= 0 ? "max" : quota.toString();
        return period == null ? q : q + " " + period;
    }
}
