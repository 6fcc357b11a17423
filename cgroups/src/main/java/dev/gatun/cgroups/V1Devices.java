package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.Path;

/** v1 devices controller: each OCI rule, in order, to devices.allow or devices.deny. */
final class V1Devices {

    static final String CONTROLLER = "devices";

    private V1Devices() {}

    static void apply(Resources r, Path dir, LimitWriter w) throws IOException {
        for (Resources.DeviceRule rule : r.devices()) {
            w.write("devices[]", dir, rule.allow() ? "devices.allow" : "devices.deny", rule.toV1());
        }
    }
}
