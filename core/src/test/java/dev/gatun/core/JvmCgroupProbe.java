package dev.gatun.core;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a child JVM by {@link ContainerJvmCgroupV2KernelTest}, started inside a cgroup of its
 * own: runs one container with a pids limit and prints {@code ran <exit>}, {@code container
 * <its cgroup directory>} and {@code self <this JVM's cgroup line>}, or {@code refused <message>}.
 */
public final class JvmCgroupProbe {

    private JvmCgroupProbe() {}

    public static void main(String[] args) throws Exception {
        try (Container c = Container.builder().resources(r -> r.pidsLimit(20)).command("/bin/true").build()) {
            int exit = c.run().waitFor();
            System.out.println("ran " + exit);
            System.out.println("container " + c.cgroup().orElseThrow().directories().get(""));
        } catch (java.io.IOException e) {
            System.out.println("refused " + e.getMessage());
        }
        System.out.println("self " + Files.readString(Path.of("/proc/self/cgroup")).strip());
    }
}
