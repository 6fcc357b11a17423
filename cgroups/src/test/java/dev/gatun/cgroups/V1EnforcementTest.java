package dev.gatun.cgroups;

import dev.gatun.testing.KernelTest;
import dev.gatun.testing.Kernel;
import java.io.IOException;

/** {@link EnforcementContract} on this host's cgroup v1 controllers (hybrid or legacy). */
@KernelTest(requires = Kernel.Feature.CGROUP_V1)
class V1EnforcementTest extends EnforcementContract {

    @Override
    CgroupLayout layout() throws IOException {
        CgroupLayout layout = CgroupLayout.detect();
        Kernel.require(layout.version() == CgroupVersion.V1, "controllers on cgroup v1; this host is " + layout.mode());
        return layout;
    }
}
