package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.Path;

/** v1 pids controller: pids.max, with the same values as v2 (see {@link V2Pids#pidsMax}). */
final class V1Pids {

    static final String CONTROLLER = "pids";

    private V1Pids() {}

    static void apply(Resources.Pids p, Path dir, LimitWriter w) throws IOException {
        if (p.limit() != null) {
            w.write("pids.limit", dir, "pids.max", V2Pids.pidsMax(p.limit()));
        }
    }
}
