package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.testing.KernelTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JVM killed at each stage of a container's lifecycle ({@link StageProbe}): waiting at
 * "created", inside the createRuntime and prestart hooks (the init parked at the clone's sync
 * point), inside delete's poststop hook. After each: no container process survives (the
 * sentinel), the sweep leaves nothing of it, and a container with the same id then runs.
 */
@KernelTest
@Timeout(300)
class ContainerStageKillKernelTest {

    @TempDir
    Path tmp;

    @BeforeAll
    static void gatunIsWarm() throws Exception {
        Ran.warmUp();
    }

    @AfterAll
    static void nothingOfThisClassRemains() {
        assertThat(Leftovers.ofThisRun()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"created", "createRuntime", "prestart", "poststop"})
    void aJvmKilledAtThisStageLeavesNoProcessAndTheSweepLeavesNothing(String stage) throws Exception {
        String id = Leftovers.id("stage-" + stage.toLowerCase());
        Path dir = Files.createDirectory(tmp.resolve(stage));
        ProbeJvm probe = ProbeJvm.start(StageProbe.class, List.of(), id, stage, dir.toString());
        probe.kill();
        Path hookPid = dir.resolve("hook.pid");
        if (Files.exists(hookPid)) {
            // the hook is the dead JVM's own child on the host, not a container's: ended by its pid
            new ProcessBuilder("kill", "-9", Files.readString(hookPid).strip()).start().waitFor();
        }
        assertThat(probe.awaitGone()).as("container processes alive after the JVM was killed at %s", stage).isEmpty();
        if (!stage.equals("poststop")) {
            assertThat(probe.processes()).as("the probe reported its init").isNotEmpty();
        }
        SweepResult swept = Gatun.sweep();
        assertThat(swept.left()).isEmpty();
        Leftovers.assertNoneOf(id);
        Ran again = Ran.of(Container.builder().id(id).command("/bin/echo", "again"));
        assertThat(again.out().strip()).isEqualTo("again");
        Leftovers.assertNoneOf(id);
    }
}
