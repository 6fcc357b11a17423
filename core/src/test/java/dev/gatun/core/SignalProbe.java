package dev.gatun.core;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run by {@link ContainerSignalsKernelTest} in a JVM started with SIGINT and SIGQUIT ignored (as
 * a shell's background job is): prints this JVM's {@code SigIgn} and a default container's.
 */
public final class SignalProbe {

    private SignalProbe() {}

    public static void main(String[] args) throws Exception {
        Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("SigIgn:"))
                .forEach(l -> System.out.println("jvm " + l));
        try (Container c = Container.builder().id(args[0]).redirectErrorStream(true)
                .command("/bin/sh", "-c", "grep '^SigIgn:' /proc/self/status | sed 's/^/container /'").build()) {
            ContainerProcess p = c.run();
            System.out.print(new String(p.getInputStream().readAllBytes()));
            System.out.println("exit " + p.waitFor());
        }
    }
}
