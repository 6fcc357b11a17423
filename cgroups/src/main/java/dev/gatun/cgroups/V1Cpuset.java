package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.Path;

/** v1 cpuset controller: cpus and mems, which a new v1 cpuset starts without. */
final class V1Cpuset {

    static final String CONTROLLER = "cpuset";

    private V1Cpuset() {}

    /**
     * A new v1 cpuset has empty cpuset.cpus and cpuset.mems, and the kernel refuses to move a task
     * into it (ENOSPC) until both are set: copy them from the parent.
     */
    static void initialise(CgroupFs fs, Path dir) throws IOException {
        for (String file : new String[] {"cpuset.cpus", "cpuset.mems"}) {
            Path own = dir.resolve(file);
            if (fs.read(own).isBlank()) {
                fs.write(own, fs.read(dir.getParent().resolve(file)).strip());
            }
        }
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
