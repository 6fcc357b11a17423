package dev.gatun.core.security;

import static dev.gatun.core.security.NativeCalls.onFreshThread;
import static dev.gatun.core.security.NativeCalls.invoke;
import static dev.gatun.core.security.NativeCalls.capabilityMask;
import static dev.gatun.core.security.NativeCalls.setresuid;
import static dev.gatun.core.security.NativeCalls.threadStatus;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.core.security.NativeCalls.Result;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs a {@link CapabilityPlan}'s steps on a throwaway platform thread and reads back what the
 * kernel made of them from {@code /proc/thread-self/status}: capabilities, like credentials
 * changed by the raw syscall, belong to one thread, so the rest of the JVM keeps root. The user
 * change is the raw {@code setresuid} syscall, never glibc's wrapper, which would change every
 * thread of the JVM.
 */
@KernelTest
class CapabilityKernelTest {

    private static final int UID = 65534;
    private static final int EPERM = 1;
    private static final Set<Capability> BIND = Set.of(Capability.CAP_NET_BIND_SERVICE);

    private HostSnapshot before;

    @BeforeEach
    void snapshot() {
        Kernel.require(Kernel.isRoot(), "dropping capabilities from a root thread needs root");
        before = HostSnapshot.take();
    }

    @AfterEach
    void noLeaks() {
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void dockersDefaultLeavesTheThreadExactlyItsFourteenCapabilities() throws Exception {
        CapabilityPlan plan = CapabilityPlan.of(CapabilitySets.dockerDefault(), Capability.lastSupported(), false);
        Map<String, String> mine = threadStatus();

        Map<String, String> status = onFreshThread(() -> {
            run(plan.beforeUserChange());
            run(plan.afterUserChange());
            return threadStatus();
        });

        long docker = CapabilityPlan.mask(CapabilitySets.DOCKER_DEFAULT);
        assertThat(capabilityMask(status, "CapBnd")).isEqualTo(docker);
        assertThat(capabilityMask(status, "CapEff")).isEqualTo(docker);
        assertThat(capabilityMask(status, "CapPrm")).isEqualTo(docker);
        assertThat(capabilityMask(status, "CapInh")).isZero();
        assertThat(capabilityMask(status, "CapAmb")).isZero();
        assertThat(threadStatus()).as("this thread keeps its capabilities")
                .containsEntry("CapBnd", mine.get("CapBnd")).containsEntry("CapEff", mine.get("CapEff"));
        assertThat(mine.get("CapEff")).isNotEqualTo(status.get("CapEff"));
    }

    @Test
    void keepcapsCarriesPermittedAcrossTheUserChangeAndAmbientSurvivesForTheNewUser() throws Exception {
        CapabilitySets sets = new CapabilitySets(CapabilitySets.DOCKER_DEFAULT, BIND, BIND, BIND, BIND);
        CapabilityPlan plan = CapabilityPlan.of(sets, Capability.lastSupported(), true);

        Map<String, String> status = onFreshThread(() -> {
            run(plan.beforeUserChange());
            Result setresuid = setresuid(UID);
            if (setresuid.value() != 0) {
                throw new AssertionError("setresuid: errno " + setresuid.errno());
            }
            run(plan.afterUserChange());
            return threadStatus();
        });

        assertThat(status.get("Uid").split("\\s+")).containsOnly(String.valueOf(UID));
        assertThat(capabilityMask(status, "CapBnd")).isEqualTo(CapabilityPlan.mask(CapabilitySets.DOCKER_DEFAULT));
        long bind = 1L << Capability.CAP_NET_BIND_SERVICE.number();
        assertThat(capabilityMask(status, "CapEff")).isEqualTo(bind);
        assertThat(capabilityMask(status, "CapPrm")).isEqualTo(bind);
        assertThat(capabilityMask(status, "CapInh")).isEqualTo(bind);
        assertThat(capabilityMask(status, "CapAmb")).isEqualTo(bind);
    }

    @Test
    void withoutKeepcapsTheUserChangeEmptiesPermittedAndCapsetIsRefused() throws Exception {
        CapabilitySets sets = new CapabilitySets(CapabilitySets.DOCKER_DEFAULT, BIND, BIND, Set.of(), Set.of());
        CapabilityPlan plan = CapabilityPlan.of(sets, Capability.lastSupported(), false);

        Result capset = onFreshThread(() -> {
            run(plan.beforeUserChange());
            setresuid(UID);
            return invoke(plan.afterUserChange().getFirst());
        });

        assertThat(capset).isEqualTo(new Result(-1, EPERM));
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
