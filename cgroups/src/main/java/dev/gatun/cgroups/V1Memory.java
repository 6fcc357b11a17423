package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.Path;

/** v1 memory controller: limit_in_bytes, memsw, soft limit, kmem, swappiness, oom_control. */
final class V1Memory {

    static final String CONTROLLER = "memory";

    private V1Memory() {}

    static void apply(Resources.Memory m, Path dir, LimitWriter w) throws IOException {
        if (m.isEmpty()) {
            return;
        }
        if (Boolean.TRUE.equals(m.checkBeforeUpdate()) && m.limit() != null && m.limit() > 0 && dir != null) {
            long current = ControlFiles.number(w.fs(), dir.resolve("memory.usage_in_bytes"));
            if (current > m.limit()) {
                throw new InvalidResourceException("memory.limit", m.limit().toString(),
                        "at least the current usage " + current + " (checkBeforeUpdate is set)");
            }
        }
        limits(m.limit(), m.swap(), dir, w);
        if (m.reservation() != null) {
            w.write("memory.reservation", dir, "memory.soft_limit_in_bytes", m.reservation().toString());
        }
        if (m.kernel() != null) {
            w.write("memory.kernel", dir, "memory.kmem.limit_in_bytes", m.kernel().toString());
        }
        if (m.kernelTcp() != null) {
            w.write("memory.kernelTCP", dir, "memory.kmem.tcp.limit_in_bytes", m.kernelTcp().toString());
        }
        if (m.swappiness() != null) {
            w.write("memory.swappiness", dir, "memory.swappiness", m.swappiness().toString());
        }
        if (m.disableOomKiller() != null) {
            w.write("memory.disableOOMKiller", dir, "memory.oom_control", m.disableOomKiller() ? "1" : "0");
        }
        if (m.useHierarchy() != null) {
            w.write("memory.useHierarchy", dir, "memory.use_hierarchy", m.useHierarchy() ? "1" : "0");
        }
        // v2-only knobs: v1 has no such files, so the writer reports them unsupported
        if (m.high() != null) {
            w.write("memory.high", dir, "memory.high", m.high().toString());
        }
        if (m.low() != null) {
            w.write("memory.low", dir, "memory.low", m.low().toString());
        }
        if (m.min() != null) {
            w.write("memory.min", dir, "memory.min", m.min().toString());
        }
        if (m.oomGroup() != null) {
            w.write("memory.oomGroup", dir, "memory.oom.group", m.oomGroup() ? "1" : "0");
        }
    }

    /**
     * The kernel keeps limit ≤ memsw at every moment, so the order matters: when the new memsw is
     * unlimited or at least the current limit, raise memsw first; otherwise lower the limit first.
     */
    private static void limits(Long limit, Long swap, Path dir, LimitWriter w) throws IOException {
        if (swap == null) {
            if (limit != null) {
                w.write("memory.limit", dir, "memory.limit_in_bytes", limit.toString());
            }
            return;
        }
        long currentLimit = dir == null ? -1 : ControlFiles.number(w.fs(), dir.resolve("memory.limit_in_bytes"));
        boolean swapFirst = swap == -1 || currentLimit < 0 || swap >= currentLimit;
        if (swapFirst) {
            w.write("memory.swap", dir, "memory.memsw.limit_in_bytes", swap.toString());
        }
        if (limit != null) {
            w.write("memory.limit", dir, "memory.limit_in_bytes", limit.toString());
        }
        if (!swapFirst) {
            w.write("memory.swap", dir, "memory.memsw.limit_in_bytes", swap.toString());
        }
    }
}
