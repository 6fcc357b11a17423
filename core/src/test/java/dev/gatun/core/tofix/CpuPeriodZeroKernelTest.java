package dev.gatun.core.tofix;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.core.Container;
import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.junit.jupiter.api.io.TempDir;

/** Known bugs the bad-config corpus found (core/src/test/resources/bad-configs). */
@KernelTest
class CpuPeriodZeroKernelTest {

    @TempDir
    Path bundle;

    @KnownBug("linux.resources.cpu.period 0 is Go's zero value, which runc and crun read as unset (as Gatun already "
            + "does for blockIO.weight 0); Gatun writes 0 to cpu.cfs_period_us and the kernel refuses it with EINVAL")
    @org.junit.jupiter.api.Test
    void aCpuPeriodOfZeroIsReadAsUnsetAsRuncDoes() throws Exception {
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static (apt-get install busybox-static)");
        BusyboxRootfs.create(bundle.resolve("rootfs"));
        String base;
        try (var in = Objects.requireNonNull(getClass().getResourceAsStream("/bad-configs/base.config.json.txt"))) {
            base = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        Files.writeString(bundle.resolve("config.json"),
                base.replace("\"pids\": {", "\"cpu\": {\"quota\": 50000, \"period\": 0}, \"pids\": {"));
        assertThat(Files.readString(bundle.resolve("config.json"))).contains("\"period\": 0");
        try (Container c = Container.fromBundle(bundle, "ct" + ProcessHandle.current().pid() + "-cpuperiod0")) {
            assertThat(c.run().waitFor()).isZero();
        }
    }
}
