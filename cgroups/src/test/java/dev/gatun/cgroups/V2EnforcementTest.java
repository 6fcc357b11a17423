package dev.gatun.cgroups;

import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.IOException;
import org.junit.jupiter.api.Tag;

/**
 * {@link EnforcementContract} on a pure cgroup v2 host with every controller: the VM lane
 * ({@code .ci/vm-lane}). Tagged {@code cgroup-v2} so that the host build leaves it out.
 */
@Tag("cgroup-v2")
@KernelTest(requires = Kernel.Feature.CGROUP_V2_CONTROLLERS)
class V2EnforcementTest extends EnforcementContract {

    @Override
    CgroupLayout layout() throws IOException {
        return CgroupLayout.detect();
    }
}
