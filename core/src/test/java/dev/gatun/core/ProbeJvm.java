package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running a probe main ({@link SentinelProbe}, {@link ExitProbe}) with this test run's
 * class path, and what it reported: {@code container <id>} and {@code proc <pid> <start time>}
 * lines up to {@code ready}.
 *
 * @param jvm the child JVM (still running when {@link #start} returns, unless it exited)
 * @param containers the container ids it created
 * @param processes the container processes it reported
 */
record ProbeJvm(Process jvm, List<String> containers, List<Proc> processes) {

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

    /** Starts {@code main} with {@code args} and reads its report up to {@code ready}. */
    static ProbeJvm start(Class<?> main, List<String> jvmOptions, String... args) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", classpath(), main.getName()));
        cmd.addAll(List.of(args));
        Process jvm = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(new File("/dev/null")).start();
        List<String> containers = new ArrayList<>();
        List<Proc> processes = new ArrayList<>();
        List<String> output = new ArrayList<>();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
            // a child JVM that starts containers takes minutes under the VM lane's emulation
            for (String line; !"ready".equals(line = Ran.readLine(out, 240)); ) {
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
        } catch (Exception | AssertionError e) {
            jvm.destroyForcibly();
            jvm.waitFor(30, TimeUnit.SECONDS);
            throw e;
        }
        return new ProbeJvm(jvm, containers, processes);
    }

    /** SIGKILLs the JVM: no shutdown hook, no Java at all. */
    void kill() throws InterruptedException {
        jvm.destroyForcibly();
        assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    long pid() {
        return jvm.pid();
    }

    /** The reported processes still alive after up to 10 s. */
    List<Proc> awaitGone() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (processes.stream().anyMatch(Proc::alive) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return processes.stream().filter(Proc::alive).toList();
    }

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
