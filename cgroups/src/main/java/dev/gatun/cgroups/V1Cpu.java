package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.Path;

/** v1 cpu controller: shares, CFS quota/period/burst, realtime runtime/period, idle. */
final class V1Cpu {

    static final String CONTROLLER = "cpu";

    private V1Cpu() {}

    static void apply(Resources.Cpu c, Path dir, LimitWriter w) throws IOException {
        if (c.shares() != null && c.shares() != 0) {
            w.write("cpu.shares", dir, "cpu.shares", c.shares().toString());
        }
        // period first: the quota is checked against the period it will be used with
        // a period of 0 is Go's zero value: runc and crun read it as unset (the kernel refuses 0)
        if (c.period() != null && c.period() != 0) {
            w.write("cpu.period", dir, "cpu.cfs_period_us", c.period().toString());
        }
        if (c.quota() != null) {
            w.write("cpu.quota", dir, "cpu.cfs_quota_us", Long.toString(c.quota() <= 0 ? -1 : c.quota()));
        }
        if (c.burst() != null) {
            w.write("cpu.burst", dir, "cpu.cfs_burst_us", c.burst().toString());
        }
        if (c.realtimePeriod() != null) {
            w.write("cpu.realtimePeriod", dir, "cpu.rt_period_us", c.realtimePeriod().toString());
        }
        if (c.realtimeRuntime() != null) {
            w.write("cpu.realtimeRuntime", dir, "cpu.rt_runtime_us", c.realtimeRuntime().toString());
        }
        if (c.idle() != null) {
            w.write("cpu.idle", dir, "cpu.idle", c.idle().toString());
        }
    }
}
