package dev.gatun.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/** The kernel lane's rule: an unmet precondition skips with its reason, or fails under the CI flag. */
class KernelConditionTest {

    /** One kernel test whose precondition never holds, and one that needs nothing. */
    static class NeverRunnable {
        @Test
        @KernelTest(root = false)
        void needsSomethingMissing() {
            Kernel.require(false, "a precondition that never holds");
        }

        @Test
        @KernelTest(root = false)
        void needsNothing() {}
    }

    private final String savedFlag = System.getProperty(Kernel.REQUIRE_PROPERTY);

    @AfterEach
    void restoreFlag() {
        if (savedFlag == null) {
            System.clearProperty(Kernel.REQUIRE_PROPERTY);
        } else {
            System.setProperty(Kernel.REQUIRE_PROPERTY, savedFlag);
        }
    }

    @Test
    void anUnmetPreconditionSkipsWithItsReasonByDefault() {
        System.setProperty(Kernel.REQUIRE_PROPERTY, "false");
        Events tests = run();
        tests.assertStatistics(s -> s.succeeded(1).aborted(1).failed(0));
    }

    @Test
    void theCiFlagTurnsTheSkipIntoAFailure() {
        System.setProperty(Kernel.REQUIRE_PROPERTY, "true");
        Events tests = run();
        tests.assertStatistics(s -> s.succeeded(1).aborted(0).failed(1));
    }

    @Test
    void theRootRequirementFollowsTheSameRule() {
        // whichever uid runs this build, the annotation's verdict must match it
        System.setProperty(Kernel.REQUIRE_PROPERTY, "true");
        Events tests = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(NeedsRoot.class))
                .execute().testEvents();
        if (Kernel.isRoot()) {
            tests.assertStatistics(s -> s.succeeded(1).failed(0));
        } else {
            tests.assertStatistics(s -> s.succeeded(0).failed(1));
        }
    }

    static class NeedsRoot {
        @Test
        @KernelTest
        void runsAsRoot() {
            assertThat(Kernel.euid()).isZero();
        }
    }

    private static Events run() {
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(NeverRunnable.class))
                .execute().testEvents();
    }
}
