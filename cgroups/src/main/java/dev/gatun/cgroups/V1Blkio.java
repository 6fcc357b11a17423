package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** v1 blkio controller: weight (CFQ's blkio.weight or BFQ's blkio.bfq.weight), throttles. */
final class V1Blkio {

    static final String CONTROLLER = "blkio";

    private V1Blkio() {}

    static void apply(Resources.BlockIo b, Path dir, LimitWriter w) throws IOException {
        if (b.isEmpty()) {
            return;
        }
        // CFQ (removed in 5.0) offered blkio.weight; BFQ offers blkio.bfq.weight with the same
        // 10-1000 range (1-1000 in fact); a kernel with neither cannot weigh block I/O
        String prefix = dir != null && !w.fs().exists(dir.resolve("blkio.weight"))
                && w.fs().exists(dir.resolve("blkio.bfq.weight")) ? "blkio.bfq." : "blkio.";
        if (b.weight() != null && b.weight() != 0) {
            w.write("blockIO.weight", dir, prefix + "weight", b.weight().toString());
        }
        if (b.leafWeight() != null) {
            w.write("blockIO.leafWeight", dir, "blkio.leaf_weight", b.leafWeight().toString());
        }
        for (Resources.WeightDevice d : b.weightDevices()) {
            if (d.weight() != null) {
                w.write("blockIO.weightDevice", dir, prefix + "weight_device", d.major() + ":" + d.minor() + " " + d.weight());
            }
            if (d.leafWeight() != null) {
                w.write("blockIO.weightDevice.leafWeight", dir, "blkio.leaf_weight_device",
                        d.major() + ":" + d.minor() + " " + d.leafWeight());
            }
        }
        throttle(w, dir, "blockIO.throttleReadBpsDevice", "blkio.throttle.read_bps_device", b.throttleReadBps());
        throttle(w, dir, "blockIO.throttleWriteBpsDevice", "blkio.throttle.write_bps_device", b.throttleWriteBps());
        throttle(w, dir, "blockIO.throttleReadIOPSDevice", "blkio.throttle.read_iops_device", b.throttleReadIops());
        throttle(w, dir, "blockIO.throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", b.throttleWriteIops());
    }

    private static void throttle(LimitWriter w, Path dir, String limit, String file, List<Resources.ThrottleDevice> devices)
            throws IOException {
        for (Resources.ThrottleDevice d : devices) {
            w.write(limit, dir, file, d.major() + ":" + d.minor() + " " + Math.max(0, d.rate()));
        }
    }
}
