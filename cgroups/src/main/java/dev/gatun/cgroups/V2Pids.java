package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.Path;

/** v2 pids controller: pids.max. */
final class V2Pids {

    static final String CONTROLLER = "pids";

    private V2Pids() {}

    static boolean needed(Resources r) {
        return r.pids().limit() != null;
    }

    static void apply(Resources.Pids p, Path dir, LimitWriter w) throws IOException {
        if (p.limit() != null) {
            w.write("pids.limit", dir, "pids.max", pidsMax(p.limit()));
        }
    }

    /**
     * Negative is "max". 0 is written as 1: systemd's TasksMax cannot express 0, so runc maps 0 to
     * 1 in its cgroupfs driver too and both drivers agree; and 0 would make the cgroup refuse even
     * the container's init when it is cloned into it (CLONE_INTO_CGROUP counts as a fork there),
     * while 1 admits init and refuses every further fork, which is what a limit of 0 means to the
     * user.
     */
    static String pidsMax(long limit) {
        if (limit < 0) {
            return "max";
        }
        return limit == 0 ? "1" : Long.toString(limit);
    }
}
