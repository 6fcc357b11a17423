package dev.gatun.cgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The v2 driver on a hybrid host's own cgroup2 mount ({@code /sys/fs/cgroup/unified}), which has no
 * controllers but does have the core files: cgroup.freeze, cgroup.kill, cgroup.events.
 */
@KernelTest(requires = Kernel.Feature.CGROUP2_MOUNTED)
class HybridUnifiedMountTest {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private static CgroupLayout unifiedMountOfAHybridHost() throws IOException {
        CgroupLayout host = CgroupLayout.detect();
        Kernel.require(host.mode() == CgroupLayout.Mode.HYBRID, "a hybrid host; this one is " + host.mode());
        return CgroupLayout.unified(host.unifiedMount().orElseThrow(), host.unifiedPath());
    }

    private static Cgroup create(Resources r) throws IOException {
        return Cgroups.create(unifiedMountOfAHybridHost(),
                CgroupsPath.parse(EnforcementContract.PREFIX + "u" + COUNTER.incrementAndGet()), null, r,
                OnUnsupported.FAIL);
    }

    private static Process startInside(Cgroup cgroup, String script) throws IOException {
        Process p = new ProcessBuilder("sh", "-c", "read go; " + script)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        cgroup.addProcess(p.pid());
        try (OutputStream go = p.getOutputStream()) {
            go.write('\n');
        }
        return p;
    }

    @Test
    void cgroupKillAndCgroupFreezeWorkWithoutAnyController() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        Cgroup cgroup = create(Resources.NONE);
        Path dir = cgroup.directories().get("");
        assertThat(dir.resolve("cgroup.kill")).exists();
        List<Process> started = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            started.add(startInside(cgroup, "sleep 300 & while :; do :; done"));
        }
        while (cgroup.processes().size() < 4) {
            Thread.sleep(10);
        }

        cgroup.freeze();
        assertThat(Files.readString(dir.resolve("cgroup.events"))).contains("frozen 1");
        long usage = cgroup.stats().cpuUsageMicros(); // cpu.stat is a core file on v2
        Thread.sleep(300);
        assertThat(cgroup.stats().cpuUsageMicros()).as("CPU used while frozen").isEqualTo(usage);
        cgroup.thaw();
        cgroup.killAll(); // writes cgroup.kill

        for (Process p : started) {
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(128 + 9);
        }
        assertThat(cgroup.events().populated()).isFalse();
        cgroup.delete();
        assertThat(dir).doesNotExist();
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void aLimitWithoutItsControllerIsAnErrorNamingItAndNothingRemains() throws Exception {
        assertThatThrownBy(() -> create(Resources.builder().memory("64m").build()))
                .isInstanceOf(UnsupportedLimitException.class)
                .hasMessageContaining("memory.limit").hasMessageContaining("memory.max")
                .hasMessageContaining("not available");
    }

    @AfterAll
    static void noTestCgroupRemains() throws IOException {
        EnforcementContract.noTestCgroupRemains();
    }
}
