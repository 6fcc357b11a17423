package dev.gatun.core.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.core.KernelVersion;
import dev.gatun.core.linux.Arch;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SecurityPlanTest {

    private static final SeccompProgram FILTER = SeccompCompiler.compile(
            SecurityDefaults.seccomp(Arch.X86_64, CapabilitySets.DOCKER_DEFAULT, new KernelVersion(6, 18, 0)));
    private static final CapabilityPlan CAPS = CapabilityPlan.of(CapabilitySets.dockerDefault(), 40, true);
    private static final List<SecurityStep.Prlimit> NOFILE = List.of(Rlimit.RLIMIT_NOFILE.prlimit(1024, 4096));

    @Test
    void withNoNewPrivsTheFilterIsTheLastStepAfterThePrctl() {
        SecurityPlan plan = SecurityPlan.of(CAPS, NOFILE, true, Optional.of(FILTER));

        assertThat(plan.beforeUserChange().getFirst()).isEqualTo(NOFILE.getFirst());
        assertThat(plan.beforeUserChange()).noneMatch(s -> s instanceof SecurityStep.SeccompLoad);
        assertThat(plan.afterUserChange().getLast()).isEqualTo(new SecurityStep.SeccompLoad(FILTER));
        assertThat(plan.afterUserChange().get(plan.afterUserChange().size() - 2))
                .isEqualTo(SecurityDefaults.noNewPrivs());
        assertThat(plan.afterUserChange().getFirst().describe()).isEqualTo("prctl(PR_SET_KEEPCAPS, 0)");
    }

    @Test
    void withoutNoNewPrivsTheFilterIsLoadedBeforeAnyCapabilityIsDropped() {
        SecurityPlan plan = SecurityPlan.of(CAPS, NOFILE, false, Optional.of(FILTER));

        assertThat(plan.beforeUserChange().get(1)).isEqualTo(new SecurityStep.SeccompLoad(FILTER));
        assertThat(plan.beforeUserChange().get(2).describe()).startsWith("prctl(PR_CAPBSET_DROP, ");
        assertThat(plan.afterUserChange()).noneMatch(s -> s instanceof SecurityStep.SeccompLoad
                || s.equals(SecurityDefaults.noNewPrivs()));
    }

    @Test
    void theSandboxDefaultsAreDockersAndRuncsLists() {
        assertThat(SecurityDefaults.MASKED_PATHS).containsAll(SecurityDefaults.RUNC_MASKED_PATHS)
                .contains("/sys/devices/virtual/powercap", "/proc/interrupts").doesNotHaveDuplicates();
        assertThat(SecurityDefaults.RUNC_MASKED_PATHS).hasSize(10);
        assertThat(SecurityDefaults.READONLY_PATHS)
                .containsExactly("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");
        SecurityStep.Prctl nnp = SecurityDefaults.noNewPrivs();
        assertThat(nnp.option()).isEqualTo(38);
        assertThat(nnp.arg2()).isEqualTo(1);
        assertThat(FILTER.instructions()).isLessThan(SeccompProgram.MAX_INSTRUCTIONS);
    }
}
