package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.Path;

/** v2 cpuset controller: cpuset.cpus, cpuset.mems. */
final class V2Cpuset {

    static final String CONTROLLER = "cpuset";

    private V2Cpuset() {}

    static boolean needed(Resources.Cpu c) {
        return c.cpus() != null || c.mems() != null;
    }

    static void apply(Resources.Cpu c, Path dir, LimitWriter w) throws IOException {
        if (c.cpus() != null) {
            w.write("cpu.cpus", dir, "cpuset.cpus", c.cpus());
        }
        if (c.mems() != null) {
            w.write("cpu.mems", dir, "cpuset.mems", c.mems());
        }
    }
}
