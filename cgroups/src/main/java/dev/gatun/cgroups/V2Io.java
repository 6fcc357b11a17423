package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** v2 io controller: io.weight (or io.bfq.weight), io.max; converted from OCI blockIO. */
final class V2Io {

    static final String CONTROLLER = "io";

    private V2Io() {}

    static boolean needed(Resources r) {
        return !r.blockIo().isEmpty();
    }

    static void apply(Resources.BlockIo b, Path dir, LimitWriter w) throws IOException {
        // io.weight exists when the kernel has the iocost controller; BFQ offers io.bfq.weight
        // with the same 1-10000 range, as crun falls back to it
        if (b.isEmpty()) {
            return;
        }
        String weightFile = dir == null || w.fs().exists(dir.resolve("io.weight"))
                || !w.fs().exists(dir.resolve("io.bfq.weight")) ? "io.weight" : "io.bfq.weight";
        if (b.weight() != null && b.weight() != 0) {
            w.write("blockIO.weight", dir, weightFile, "default " + Resources.BlockIo.ioWeightOf(b.weight()));
        }
        for (Resources.WeightDevice d : b.weightDevices()) {
            if (d.weight() != null) {
                w.write("blockIO.weightDevice", dir, weightFile,
                        d.major() + ":" + d.minor() + " " + Resources.BlockIo.ioWeightOf(d.weight()));
            }
            if (d.leafWeight() != null) {
                w.unsupported("blockIO.weightDevice.leafWeight", LimitWriter.at(dir, "blkio.leaf_weight_device"),
                        "cgroup v2 has no leaf weight");
            }
        }
        if (b.leafWeight() != null) {
            w.unsupported("blockIO.leafWeight", LimitWriter.at(dir, "blkio.leaf_weight"), "cgroup v2 has no leaf weight");
        }
        throttle(w, dir, "blockIO.throttleReadBpsDevice", "rbps", b.throttleReadBps());
        throttle(w, dir, "blockIO.throttleWriteBpsDevice", "wbps", b.throttleWriteBps());
        throttle(w, dir, "blockIO.throttleReadIOPSDevice", "riops", b.throttleReadIops());
        throttle(w, dir, "blockIO.throttleWriteIOPSDevice", "wiops", b.throttleWriteIops());
    }

    private static void throttle(LimitWriter w, Path dir, String limit, String key, List<Resources.ThrottleDevice> devices)
            throws IOException {
        for (Resources.ThrottleDevice d : devices) {
            w.write(limit, dir, "io.max", d.major() + ":" + d.minor() + " " + key + "=" + ControlFiles.max(d.rate()));
        }
    }
}
