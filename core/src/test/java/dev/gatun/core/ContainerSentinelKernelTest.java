package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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

    /** A process, named for good by its pid and start time. */
    record Proc(long pid, String startTime) {
        boolean alive() {
            try {
                return SentinelProbe.startTime(pid).equals(startTime);
            } catch (IOException e) {
                return false; // no /proc/<pid>: gone
            }
        }
    }

    /** What a probe JVM started. */
    record Probe(long jvm, List<String> containers, List<Proc> processes) {}

    @Test
    void containersThatClearTheirParentDeathSignalDieWithTheirSigkilledJvm() throws Exception {
        Kernel.require(KernelVersion.parse(Gatun.kernelRelease()).compareTo(new KernelVersion(5, 14, 0)) >= 0
                && (Files.exists(Path.of("/sys/fs/cgroup/unified/cgroup.procs"))
                        || Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))),
                "a cgroup2 hierarchy and cgroup.kill (Linux 5.14)");
        Probe probe = runAndKill(true);
        try {
            List<Proc> survivors = awaitGone(probe.processes());
            assertThat(survivors).as("container processes alive 10 s after their JVM was SIGKILLed").isEmpty();
        } finally {
            cleanUp(probe);
        }
    }

    @Test
    void withoutTheSentinelSuchContainersOutliveTheirJvm() throws Exception {
        Probe probe = runAndKill(false);
        try {
            // the parent-death signal still kills the inits that kept it; these cleared it
            Thread.sleep(1000);
            assertThat(probe.processes()).as("processes of containers whose JVM was SIGKILLed")
                    .anyMatch(Proc::alive);
        } finally {
            for (Proc p : probe.processes()) {
                if (p.alive()) {
                    new ProcessBuilder("kill", "-9", Long.toString(p.pid())).start().waitFor();
                }
            }
            assertThat(awaitGone(probe.processes())).isEmpty();
            cleanUp(probe);
        }
    }

    /** Starts the probe JVM, reads what it started, SIGKILLs it. */
    private static Probe runAndKill(boolean sentinel) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String prefix = Leftovers.id(sentinel ? "sentinel" : "nosentinel") + "-";
        List<String> cmd = List.of(java, "-XX:-UsePerfData", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "-Dgatun.sentinel=" + sentinel, "-cp", classpath(), SentinelProbe.class.getName(), prefix);
        Process jvm = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(new File("/dev/null")).start();
        List<String> containers = new ArrayList<>();
        List<Proc> processes = new ArrayList<>();
        List<String> output = new ArrayList<>();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
            for (String line; !"ready".equals(line = Ran.readLine(out)); ) {
                if (line == null) {
                    throw new AssertionError("the probe JVM ended before it was ready: " + output);
                }
                output.add(line);
                String[] f = line.split(" ");
                if (f[0].equals("container")) {
                    containers.add(f[1]);
                } else if (f[0].equals("proc")) {
                    processes.add(new Proc(Long.parseLong(f[1]), f[2]));
                }
            }
        } finally {
            jvm.destroyForcibly(); // SIGKILL: no shutdown hook, no Java at all
            assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(containers).as("%s", output).hasSize(2);
        assertThat(processes).as("%s", output).hasSize(6);
        return new Probe(jvm.pid(), containers, processes);
    }

    private static List<Proc> awaitGone(List<Proc> processes) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (processes.stream().anyMatch(Proc::alive) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return processes.stream().filter(Proc::alive).toList();
    }

    /**
     * Removes what the probe's containers left (its JVM died without deleting them): their cgroup
     * directories, the probe's sentinel directory, their state directories. Only directories, links
     * and empty files: the containers' mounts were in their own mount namespaces, gone with them.
     */
    private static void cleanUp(Probe probe) throws IOException {
        for (Map.Entry<String, Path> own : Leftovers.ownCgroups().entrySet()) {
            Path sentinelDir = own.getValue().resolve("gatun-jvm-" + probe.jvm());
            for (String id : probe.containers()) {
                for (Path parent : List.of(sentinelDir, own.getValue())) {
                    Files.deleteIfExists(parent.resolve("gatun-" + id));
                }
            }
            if (Files.isDirectory(sentinelDir)) {
                Files.delete(sentinelDir);
            }
        }
        for (String id : probe.containers()) {
            Path state = SandboxRoot.stateDirectory().resolve(id);
            if (Files.exists(state, LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> tree = Files.walk(state)) {
                    for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            Leftovers.assertNoneOf(id);
        }
    }

    /** This build's classes and what a Container needs, for a child JVM. */
    static String classpath() throws Exception {
        List<String> entries = new ArrayList<>();
        for (Class<?> c : List.of(Container.class, SentinelProbe.class, dev.gatun.namespaces.Namespaces.class,
                dev.gatun.cgroups.Cgroup.class, dev.gatun.oci.Spec.class, tools.jackson.databind.JsonNode.class,
                tools.jackson.core.JsonParser.class, com.fasterxml.jackson.annotation.JsonInclude.class,
                org.slf4j.Logger.class)) {
            entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        return String.join(File.pathSeparator, entries);
    }
}
