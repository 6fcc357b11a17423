package dev.gatun.bench.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gatun.junit.Gatun;
import dev.gatun.junit.GatunContainer;
import dev.gatun.junit.TestContainer;
import dev.gatun.junit.Wait;
import java.nio.file.Path;
import org.junit.jupiter.api.RepeatedTest;

/**
 * The Gatun side of {@link ContainerPerTestBenchmark}: 20 tests, each with a container of its own
 * from the benchmark's image (an instance field), which prints {@code ready}; the test sees it.
 */
@Gatun
public class GatunPerTest {

    @GatunContainer
    final TestContainer container = TestContainer.image(Path.of(System.getProperty("bench.layout")))
            .imageStore(Path.of(System.getProperty("bench.store")))
            .command("/bin/sh", "-c", "echo ready")
            .waitingFor(Wait.forLogMessage("ready", 1));

    @RepeatedTest(ContainerPerTestBenchmark.TESTS)
    void theContainerSaysReady() {
        assertEquals("ready\n", container.logs());
    }
}
