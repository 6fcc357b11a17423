package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.cgroups.CgroupVersion;
import dev.gatun.core.security.DeviceCgroup;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Device rules on a pure cgroup v2 host, where no devices files exist and only the eBPF program
 * attached at create stands between the container and the host's devices. Tagged
 * {@code cgroup-v2}: runs in the VM lane (.ci/vm-lane), not in the host build.
 */
@Tag("cgroup-v2")
@KernelTest(requires = Kernel.Feature.CGROUP_V2_CONTROLLERS)
class ContainerDevicesV2KernelTest {

    @AfterAll
    static void nothingOfThisClassRemains() {
        assertThat(Leftovers.ofThisRun()).isEmpty();
    }

    @Test
    void aCreatedContainerHasOneDeviceProgramOnItsCgroupBeforeItRuns() throws Exception {
        String id = Leftovers.id("devv2");
        try (Container c = Container.builder().id(id).command("/bin/true").build()) {
            c.create();
            assertThat(c.cgroup().orElseThrow().version()).isEqualTo(CgroupVersion.V2);
            Path dir = c.cgroup().orElseThrow().directories().get("");
            assertThat(DeviceCgroup.attached(dir)).hasSize(1);
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void aDefaultContainerMayMknodALoopDeviceButNotOpenIt() throws Exception {
        Ran r = ContainerDevicesKernelTest.run(Container.builder(), ContainerDevicesKernelTest.LOOP);
        assertThat(r.out()).as("%s", r).contains("mknod-exit-0", "Operation not permitted", "open-exit-1");
    }

    @Test
    void theStandardDevicesStillWorkInADefaultContainer() throws Exception {
        Ran r = ContainerDevicesKernelTest.run(Container.builder(), ContainerDevicesKernelTest.STANDARD);
        assertThat(r.out()).as("%s", r).doesNotContain("Operation not permitted").contains("null-writes", "done");
        assertThat(r.out().lines().filter("1"::equals).count()).as("%s", r).isEqualTo(4);
    }
}
