package dev.gatun.cgroups;

import dev.gatun.testing.KernelTest;
import dev.gatun.testing.Kernel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@link EnforcementContract} on this host's cgroup v1 controllers (hybrid or legacy). */
@KernelTest(requires = Kernel.Feature.CGROUP_V1)
class V1EnforcementTest extends EnforcementContract {

    @Override
    CgroupLayout layout() throws IOException {
        CgroupLayout layout = CgroupLayout.detect();
        Kernel.require(layout.version() == CgroupVersion.V1, "controllers on cgroup v1; this host is " + layout.mode());
        return layout;
    }

    @Test
    void aBlkioWeightIsWrittenWhereTheKernelHasOneAndRefusedNamingTheFileWhereNot() throws Exception {
        Path blkio = layout().v1Mounts().get("blkio");
        Kernel.require(blkio != null, "the blkio controller mounted");
        Resources r = Resources.builder().blkioWeight(500).build();
        Path probe = create(Resources.NONE).directories().get("blkio");
        boolean cfq = Files.exists(probe.resolve("blkio.weight"));
        boolean bfq = Files.exists(probe.resolve("blkio.bfq.weight"));

        if (cfq || bfq) {
            Cgroup cgroup = create(r);
            Path file = cgroup.directories().get("blkio").resolve(cfq ? "blkio.weight" : "blkio.bfq.weight");
            assertThat(Files.readString(file)).contains("500");
        } else {
            // the build machines: only BFQ's statistics, no weight file at all
            assertThatThrownBy(() -> create(r)).isInstanceOf(UnsupportedLimitException.class)
                    .hasMessageContaining("blockIO.weight").hasMessageContaining("/blkio.weight");
        }
    }
}
