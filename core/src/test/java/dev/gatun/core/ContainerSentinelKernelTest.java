package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * No container outlives the JVM that started it: a child JVM ({@link SentinelProbe}) starts
 * containers whose code clears its parent-death signal, ignores signals and forks, and is then
 * SIGKILLed; the sentinel kills every one of those processes. Without the sentinel
 * ({@code -Dgatun.sentinel=false}) they outlive the JVM, which shows the test can tell.
 */
@KernelTest
@Tag("vm-lane") // also run in the cgroup v2 VM (.ci/vm-lane)
@Timeout(120)
class ContainerSentinelKernelTest {

    @Test
    void containersThatClearTheirParentDeathSignalDieWithTheirSigkilledJvm() throws Exception {
        Kernel.require(KernelVersion.parse(Gatun.kernelRelease()).compareTo(new KernelVersion(5, 14, 0)) >= 0
                && (Files.exists(Path.of("/sys/fs/cgroup/unified/cgroup.procs"))
                        || Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))),
                "a cgroup2 hierarchy and cgroup.kill (Linux 5.14)");
        ProbeJvm probe = runAndKill(true);
        try {
            List<ProbeJvm.Proc> survivors = probe.awaitGone();
            assertThat(survivors).as("container processes alive 10 s after their JVM was SIGKILLed").isEmpty();
        } finally {
            cleanUp(probe);
        }
    }

    @Test
    void withoutTheSentinelSuchContainersOutliveTheirJvm() throws Exception {
        ProbeJvm probe = runAndKill(false);
        try {
            // the parent-death signal still kills the inits that kept it; these cleared it
            Thread.sleep(1000);
            assertThat(probe.processes()).as("processes of containers whose JVM was SIGKILLed")
                    .anyMatch(ProbeJvm.Proc::alive);
        } finally {
            for (ProbeJvm.Proc p : probe.processes()) {
                if (p.alive()) {
                    new ProcessBuilder("kill", "-9", Long.toString(p.pid())).start().waitFor();
                }
            }
            assertThat(probe.awaitGone()).isEmpty();
            cleanUp(probe);
        }
    }

    /** Starts the probe JVM, reads what it started, SIGKILLs it. */
    private static ProbeJvm runAndKill(boolean sentinel) throws Exception {
        String prefix = Leftovers.id(sentinel ? "sentinel" : "nosentinel") + "-";
        ProbeJvm probe = ProbeJvm.start(SentinelProbe.class, List.of("-Dgatun.sentinel=" + sentinel), prefix);
        probe.kill();
        assertThat(probe.containers()).hasSize(2);
        assertThat(probe.processes()).hasSize(6);
        return probe;
    }

    /** Removes what the probe's containers left (its JVM died without deleting them): the sweep's job. */
    private static void cleanUp(ProbeJvm probe) {
        Gatun.sweep();
        for (String id : probe.containers()) {
            Leftovers.assertNoneOf(id);
        }
    }
}
