package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.Path;

/** v2 memory controller: memory.max, memory.swap.max, memory.low/high/min, memory.oom.group. */
final class V2Memory {

    static final String CONTROLLER = "memory";

    private V2Memory() {}

    static boolean needed(Resources r) {
        return !r.memory().isEmpty();
    }

    static void apply(Resources.Memory m, Path dir, LimitWriter w) throws IOException {
        if (dir != null && Boolean.TRUE.equals(m.checkBeforeUpdate()) && m.limit() != null && m.limit() > 0) {
            long current = ControlFiles.number(w.fs(), dir.resolve("memory.current"));
            if (current > m.limit()) {
                throw new InvalidResourceException("memory.limit", m.limit().toString(),
                        "at least the current usage " + current + " (checkBeforeUpdate is set)");
            }
        }
        if (m.limit() != null) {
            w.write("memory.limit", dir, "memory.max", ControlFiles.max(m.limit()));
        }
        String swap = swapMax(m.swap(), m.limit());
        if (swap != null) {
            w.write("memory.swap", dir, "memory.swap.max", swap);
        }
        // memory.low is the v2 counterpart of a v1 soft limit (runc, crun); an explicit low wins
        Long low = m.low() != null ? m.low() : m.reservation();
        if (low != null) {
            w.write(m.low() != null ? "memory.low" : "memory.reservation", dir, "memory.low", ControlFiles.max(low));
        }
        if (m.high() != null) {
            w.write("memory.high", dir, "memory.high", ControlFiles.max(m.high()));
        }
        if (m.min() != null) {
            w.write("memory.min", dir, "memory.min", ControlFiles.max(m.min()));
        }
        if (m.oomGroup() != null) {
            w.write("memory.oomGroup", dir, "memory.oom.group", m.oomGroup() ? "1" : "0");
        }
        // v1-only knobs: v2 has no file for them, so asking for one is an unsupported limit
        if (m.swappiness() != null) {
            w.unsupported("memory.swappiness", LimitWriter.at(dir, "memory.swappiness"), "cgroup v2 has no per-cgroup swappiness");
        }
        if (m.kernel() != null) {
            w.unsupported("memory.kernel", LimitWriter.at(dir, "memory.kmem.limit_in_bytes"), "cgroup v2 has no kernel memory limit");
        }
        if (m.kernelTcp() != null) {
            w.unsupported("memory.kernelTCP", LimitWriter.at(dir, "memory.kmem.tcp.limit_in_bytes"), "cgroup v2 has no kernel TCP limit");
        }
        if (Boolean.TRUE.equals(m.disableOomKiller())) {
            w.unsupported("memory.disableOOMKiller", LimitWriter.at(dir, "memory.oom_control"), "cgroup v2 cannot disable the OOM killer");
        }
        if (Boolean.FALSE.equals(m.useHierarchy())) {
            w.unsupported("memory.useHierarchy", LimitWriter.at(dir, "memory.use_hierarchy"), "cgroup v2 is always hierarchical");
        }
    }

    /**
     * OCI swap is memory+swap (v1's memsw); v2 {@code memory.swap.max} counts swap alone, so it is
     * swap − limit. Unlimited memory with swap unset means both unlimited (as on v1). Null: leave
     * the file alone.
     */
    static String swapMax(Long swap, Long limit) {
        if (swap == null) {
            return limit != null && limit == -1 ? "max" : null;
        }
        if (swap == -1) {
            return "max";
        }
        if (limit == null || limit == -1) {
            throw new InvalidResourceException("memory.swap", swap.toString(),
                    "no swap limit without a memory limit (OCI swap is memory+swap)");
        }
        if (swap < limit) {
            throw new InvalidResourceException("memory.swap", swap.toString(),
                    "memory+swap, at least memory.limit (" + limit + ")");
        }
        return Long.toString(swap - limit);
    }
}
