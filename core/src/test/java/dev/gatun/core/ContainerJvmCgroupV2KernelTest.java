package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.testing.KernelTest;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A JVM in a cgroup of its own on pure cgroup v2 (a systemd service, a login scope, a CI job):
 * the "no internal processes" rule forbids that cgroup to delegate controllers while the JVM is
 * in it, so the JVM moves itself into a leaf ({@link JvmCgroup}); a cgroup that also holds someone
 * else's process is refused with what to do. Each case runs a child JVM ({@link JvmCgroupProbe})
 * in a cgroup below this test JVM's own.
 */
@KernelTest
@Tag("cgroup-v2") // a pure v2 host: the VM lane
@Timeout(120)
class ContainerJvmCgroupV2KernelTest {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    @Test
    void aJvmAloneInItsCgroupMovesIntoALeafAndItsContainersGoBelowTheCgroupItWasIn() throws Exception {
        Path cg = testCgroup();
        try {
            Run run = probe(cg, null);
            assertThat(run.out()).as("%s", run.out()).contains("ran 0");
            String rel = "/" + Leftovers.ownCgroups().get("").relativize(cg);
            String own = rel.equals("/") ? "" : rel;
            // the sentinel's gatun-jvm-<pid>-<start time>, and the JVM's own leaf of the same name + .self
            assertThat(run.line("container ")).matches(java.util.regex.Pattern.quote(cg.toString()) + "/gatun-jvm-"
                    + run.pid() + "-\\d+/gatun-[0-9a-f]+");
            assertThat(run.line("self ")).matches(java.util.regex.Pattern.quote("0::" + own.replaceAll("/$", "")
                    + "/gatun-jvm-" + run.pid() + "-") + "\\d+\\.self");
        } finally {
            removeAll(cg);
        }
    }

    @Test
    void aCgroupThatAlsoHoldsAnotherProcessIsRefusedSayingWhatToDo() throws Exception {
        Path cg = testCgroup();
        Process other = new ProcessBuilder("sleep", "60").start();
        try {
            Files.writeString(cg.resolve("cgroup.procs"), Long.toString(other.pid()));
            Run run = probe(cg, other);
            assertThat(run.line("refused ")).contains("holds process " + other.pid(), "systemd-run --scope -p Delegate=yes");
            assertThat(run.line("self ")).endsWith(cg.getFileName().toString()); // left where it was
        } finally {
            other.destroyForcibly();
            other.waitFor(10, TimeUnit.SECONDS);
            removeAll(cg);
        }
    }

    record Run(long pid, String out) {
        String line(String prefix) {
            return out.lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).findFirst()
                    .orElseThrow(() -> new AssertionError("no line " + prefix + " in " + out));
        }
    }

    /** A cgroup below this JVM's own, where the probe starts. */
    private static Path testCgroup() throws IOException {
        Path own = Leftovers.ownCgroups().get("");
        return Files.createDirectory(own.resolve("gatun-test-jvm-" + ProcessHandle.current().pid() + "-"
                + COUNTER.incrementAndGet()));
    }

    private static Run probe(Path cg, Process other) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "echo $$ > \"$0\"/cgroup.procs && exec \"$@\"", cg.toString(),
                java, "-XX:-UsePerfData", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "-cp", ProbeJvm.classpath(),
                JvmCgroupProbe.class.getName()));
        Process jvm = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(new File("/dev/null")).start();
        String out = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(jvm.waitFor(60, TimeUnit.SECONDS)).as(out).isTrue();
        return new Run(jvm.pid(), out);
    }

    /** Removes the test cgroup and what the probe left in it, once its processes (the sentinel's last steps) are gone. */
    private static void removeAll(Path cg) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<Path> dirs;
        try (var tree = Files.walk(cg)) {
            dirs = tree.filter(Files::isDirectory).sorted(java.util.Comparator.reverseOrder()).toList();
        }
        for (Path d : dirs) {
            while (!Files.readString(d.resolve("cgroup.procs")).isBlank() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Files.delete(d);
        }
    }
}
