package dev.gatun.core.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.testing.KernelTest;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * 10,000 spawns (a quarter of them handshakes) from two threads while other threads allocate
 * heavily and force GCs and safepoints: no hang (the probe's watchdog halts it after 30 s without
 * progress), no crash, no leaked fd or child. Once with G1 and once with ZGC, each in a fresh JVM.
 * {@code -Dgatun.stress.spawns=N} changes the count.
 */
@KernelTest
class SpawnStressTest {

    private static final String SPAWNS = System.getProperty("gatun.stress.spawns", "10000");

    @Test
    void tenThousandSpawnsUnderGcAndSafepointPressureWithG1() throws Exception {
        run("-XX:+UseG1GC");
    }

    @Test
    void tenThousandSpawnsUnderGcAndSafepointPressureWithZgc() throws Exception {
        run("-XX:+UseZGC");
    }

    private static void run(String collector) throws Exception {
        ForkedJvm.Result result = ForkedJvm.run(StressProbe.class, List.of(collector, "-Xmx128m"), 170, SPAWNS);
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).as(result.output()).startsWith("OK spawns=" + SPAWNS);
        System.out.println(collector + ": " + result.output().strip()); // the figures, for the test report
    }
}
