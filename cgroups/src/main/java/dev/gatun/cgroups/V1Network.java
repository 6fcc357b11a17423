package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.Path;

/** v1 net_cls and net_prio controllers: net_cls.classid, net_prio.ifpriomap. */
final class V1Network {

    private V1Network() {}

    static void apply(Resources.Network n, Path netCls, Path netPrio, LimitWriter w) throws IOException {
        if (n.classId() != null) {
            w.write("network.classID", netCls, "net_cls.classid", n.classId().toString());
        }
        for (Resources.InterfacePriority p : n.priorities()) {
            w.write("network.priorities", netPrio, "net_prio.ifpriomap", p.name() + " " + p.priority());
        }
    }
}
