package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.cgroups.CgroupLayout;
import dev.gatun.namespaces.UserNamespaces;
import dev.gatun.testing.KernelTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The host report says what the kernel and the files say (the unprivileged side: RootlessSpawnKernelTest). */
@KernelTest
@Tag("vm-lane") // also run in the cgroup v2 VM (.ci/vm-lane)
class HostReportKernelTest {

    @Test
    void asRootTheReportMatchesTheHost() throws Exception {
        HostReport r = Gatun.hostReport();
        assertThat(r.root()).isTrue();
        assertThat(r.uid()).isZero();
        assertThat(r.cgroupDelegated()).isTrue();
        assertThat(r.kernel()).isEqualTo(Gatun.kernelRelease());
        assertThat(r.cgroupMode()).isEqualTo(CgroupLayout.detect().mode());
        assertThat(r.userNamespaces()).isEqualTo(UserNamespaces.unavailabilityCause());
        String actions = new String(Files.newInputStream(Path.of("/proc/sys/kernel/seccomp/actions_avail")).readAllBytes()).strip();
        assertThat(r.seccompActions()).containsExactlyInAnyOrderElementsOf(List.of(actions.split("\\s+")))
                .contains("allow", "errno", "kill_process");
        // Gatun's floor is 5.11: these are there on every kernel it runs on
        assertThat(r.features()).containsEntry("close_range CLOSE_RANGE_CLOEXEC (5.11)", true)
                .containsEntry("openat2 (5.6)", true);
        assertThat(r.ownCgroup()).isPresent().get().satisfies(p -> assertThat(Files.isDirectory(p)).isTrue());
        if (r.cgroupMode() == CgroupLayout.Mode.UNIFIED) {
            assertThat(r.controllers()).contains("memory", "pids");
        } else {
            assertThat(r.controllers()).isEqualTo(new java.util.TreeSet<>(CgroupLayout.detect().v1Mounts().keySet()
                    .stream().filter(k -> !k.startsWith("name=")).toList()));
        }
        assertThat(r.toString()).contains("user:            root (uid 0, root)", "(may create cgroups there)");
        assertThat(Gatun.unsupportedCause()).as("as root on this kernel").isEmpty();
    }
}
