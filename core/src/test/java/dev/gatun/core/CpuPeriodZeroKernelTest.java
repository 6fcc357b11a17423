package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.junit.jupiter.api.io.TempDir;

/** Found by the bad-config corpus (core/src/test/resources/bad-configs), fixed: a cpu period of 0 is unset. */
@KernelTest
class CpuPeriodZeroKernelTest {

    @TempDir
    Path bundle;

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
