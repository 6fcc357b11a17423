package dev.gatun.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * A {@link Gatun @Gatun} class under JUnit's parallel execution: its tests run at once, each with
 * a container of its own, beside one container of the class; every one answers on its own port.
 */
@KernelTest(root = false, requires = Kernel.Feature.USER_NAMESPACES)
class ParallelKernelTest {

    static final int TESTS = 4;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void fourTestsRunAtOnceEachWithAContainerOfItsOwn() {
        Concurrent.IDS.clear();
        Concurrent.runByTheTestAbove = true;
        EngineTestKit.engine("junit-jupiter").selectors(selectClass(Concurrent.class))
                .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
                .configurationParameter("junit.jupiter.execution.parallel.mode.default", "concurrent")
                .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
                .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", Integer.toString(TESTS))
                .execute().testEvents().assertStatistics(s -> s.started(TESTS).succeeded(TESTS).failed(0));
        Concurrent.runByTheTestAbove = false;
        assertThat(Concurrent.IDS).hasSize(TESTS);
    }

    /** Run by the test above only (surefire leaves nested classes out; a -Dtest pattern may not). */
    @Gatun
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    @EnabledIf("runByTheTestAbove")
    static class Concurrent {

        static volatile boolean runByTheTestAbove;

        static boolean runByTheTestAbove() {
            return runByTheTestAbove;
        }

        static final Set<String> IDS = ConcurrentHashMap.newKeySet();
        /** Every test waits here for the others: if they did not run at once, each times out. */
        static final CyclicBarrier ALL_AT_ONCE = new CyclicBarrier(TESTS);

        @GatunContainer
        static final TestContainer SHARED = echo();

        @GatunContainer
        final TestContainer own = echo();

        static TestContainer echo() {
            return TestContainer.sandbox()
                    .command("/bin/sh", "-c", "echo ready; exec /bin/busybox nc -ll -p 7 -e /bin/cat")
                    .withExposedPort(7).waitingFor(Wait.forLogMessage("ready", 1));
        }

        @Test
        void one() throws Exception {
            check();
        }

        @Test
        void two() throws Exception {
            check();
        }

        @Test
        void three() throws Exception {
            check();
        }

        @Test
        void four() throws Exception {
            check();
        }

        private void check() throws Exception {
            ALL_AT_ONCE.await(90, TimeUnit.SECONDS);
            assertThat(IDS.add(own.id())).as("a container of its own").isTrue();
            for (TestContainer c : new TestContainer[] {own, SHARED}) {
                try (Socket s = new Socket(c.host(), c.mappedPort(7))) {
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write((c.id() + "\n").getBytes(StandardCharsets.US_ASCII));
                    assertThat(new String(s.getInputStream().readNBytes(c.id().length() + 1), StandardCharsets.US_ASCII))
                            .isEqualTo(c.id() + "\n");
                }
            }
        }
    }
}
