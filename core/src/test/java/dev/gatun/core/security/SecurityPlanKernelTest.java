package dev.gatun.core.security;

import static dev.gatun.core.security.NativeCalls.capabilityMask;
import static dev.gatun.core.security.NativeCalls.invoke;
import static dev.gatun.core.security.NativeCalls.onFreshThread;
import static dev.gatun.core.security.NativeCalls.setresuid;
import static dev.gatun.core.security.NativeCalls.syscall;
import static dev.gatun.core.security.NativeCalls.threadStatus;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.core.KernelVersion;
import dev.gatun.core.linux.Arch;
import dev.gatun.core.linux.SyscallTable;
import dev.gatun.core.security.NativeCalls.Result;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sandbox's whole security plan (Docker's capabilities, a user change, no_new_privs, the
 * default seccomp profile) executed step by step on a throwaway platform thread, as the spawn
 * engine's child will execute it, then read back from the kernel.
 */
@KernelTest
class SecurityPlanKernelTest {

    private static final int NOBODY = 65534;

    private HostSnapshot before;

    @BeforeEach
    void snapshot() {
        Kernel.require(Kernel.isRoot(), "changing a thread's user and capabilities needs root");
        before = HostSnapshot.take();
    }

    @AfterEach
    void noLeaks() {
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void theSandboxDefaultsLeaveANonRootThreadWithDockersCapabilitiesNoNewPrivsAndTheFilter() throws Exception {
        SeccompProgram filter = SeccompCompiler.compile(SecurityDefaults.seccomp(Arch.current(),
                CapabilitySets.DOCKER_DEFAULT, KernelVersion.parse(System.getProperty("os.version"))));
        SecurityPlan plan = SecurityPlan.of(
                CapabilityPlan.of(SecurityDefaults.capabilities(), Capability.lastSupported(), true),
                List.of(), true, Optional.of(filter));

        record Outcome(Map<String, String> status, Result addKey) {}
        Outcome outcome = onFreshThread(() -> {
            run(plan.beforeUserChange());
            Result user = setresuid(NOBODY);
            if (user.value() != 0) {
                throw new AssertionError("setresuid: errno " + user.errno());
            }
            run(plan.afterUserChange());
            return new Outcome(threadStatus(), syscall(SyscallTable.current().number("add_key"), 0, 0, 0, 0));
        });

        Map<String, String> status = outcome.status();
        long docker = CapabilityPlan.mask(CapabilitySets.DOCKER_DEFAULT);
        assertThat(status.get("Uid").split("\\s+")).containsOnly(String.valueOf(NOBODY));
        assertThat(capabilityMask(status, "CapBnd")).isEqualTo(docker);
        assertThat(capabilityMask(status, "CapEff")).isEqualTo(docker);
        assertThat(capabilityMask(status, "CapPrm")).isEqualTo(docker);
        assertThat(capabilityMask(status, "CapInh")).isZero();
        assertThat(capabilityMask(status, "CapAmb")).isZero();
        assertThat(status).containsEntry("NoNewPrivs", "1").containsEntry("Seccomp", "2")
                .containsEntry("Seccomp_filters", "1");
        // keyrings are not namespaced: the sandbox profile refuses them as Docker does (EPERM)
        assertThat(outcome.addKey()).as("add_key under the default profile").isEqualTo(new Result(-1, 1));
    }

    private static void run(List<SecurityStep> steps) throws Throwable {
        for (SecurityStep step : steps) {
            Result r = invoke(step);
            if (r.value() != 0) {
                throw new AssertionError(step.describe() + ": errno " + r.errno());
            }
        }
    }
}
