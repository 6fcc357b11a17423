package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** The rdma controller, the same file on v1 and v2: rdma.max. */
final class Rdma {

    static final String CONTROLLER = "rdma";

    private Rdma() {}

    static boolean needed(Resources r) {
        return !r.rdma().isEmpty();
    }

    static void apply(Resources r, Path dir, LimitWriter w) throws IOException {
        for (Map.Entry<String, Resources.Rdma> e : r.rdma().entrySet()) {
            Resources.Rdma l = e.getValue();
            w.write("rdma." + e.getKey(), dir, "rdma.max", e.getKey()
                    + " hca_handle=" + (l.hcaHandles() == null ? "max" : l.hcaHandles())
                    + " hca_object=" + (l.hcaObjects() == null ? "max" : l.hcaObjects()));
        }
    }
}
