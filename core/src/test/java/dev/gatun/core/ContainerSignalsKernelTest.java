package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.testing.KernelTest;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What a container's processes inherit of the JVM's signal dispositions: nothing. A JVM started
 * as a shell's background job ignores SIGINT and SIGQUIT; {@code CLONE_CLEAR_SIGHAND} resets
 * handlers, not ignored signals, and execve keeps those, so without the planner's reset every
 * container of such a JVM would ignore {@code ^C} and SIGQUIT.
 */
@KernelTest
class ContainerSignalsKernelTest {

    @Test
    void aJvmThatIgnoresSigintGivesItsContainersTheDefaultAction() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String id = Leftovers.id("signals");
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "trap '' INT QUIT; exec \"$@\"", "sh", java,
                "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED", "-cp", ProbeJvm.classpath(),
                SignalProbe.class.getName(), id));
        Process jvm = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(new File("/dev/null")).start();
        String out = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(jvm.waitFor(120, TimeUnit.SECONDS)).isTrue();
        // the probe JVM ignores SIGINT (SigIgn bit 1), as the trap made it (HotSpot takes SIGQUIT
        // back for its thread dumps) ...
        String jvmIgnored = out.lines().filter(l -> l.startsWith("jvm SigIgn:")).findFirst().orElseThrow(
                () -> new AssertionError(out)).replaceAll("\\s+", " ").split(" ")[2];
        assertThat(Long.parseUnsignedLong(jvmIgnored, 16) & 0x2L).as(out).isEqualTo(0x2L);
        // ... and its container's shell ignores nothing
        assertThat(out).as(out).containsPattern("container SigIgn:\\s+0000000000000000\n").contains("exit 0");
        Leftovers.assertNoneOf(id);
    }
}
