package dev.gatun.core;

import dev.gatun.testing.HostSnapshot;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Run in a child JVM by {@link ContainerFaultKernelTest}, so that a fault can be put on a whole
 * JVM (its fd limit, its pids cgroup, its mount namespace's state directory) without touching the
 * test's own. Reads one command a line on stdin and answers one line on stdout:
 * <ul>
 *   <li>{@code run <id>}: a busybox container ({@code args[0]} is its rootfs) runs {@code /bin/true};
 *   <li>{@code sandbox <id>}: a default container (sandbox root under the state directory) runs
 *       {@code /bin/true};
 *   <li>answers {@code ok} or {@code error <exception class>: <message>} (one line);
 *   <li>{@code baseline}: takes a {@link HostSnapshot}; {@code leaks}: {@code leaks <what is new
 *       since the baseline>}, empty when nothing is;
 *   <li>{@code fds}: {@code fds <count of open fds>}; {@code state}: {@code state <entries of the
 *       state directory, as this JVM sees it>}.
 * </ul>
 */
public final class FaultProbe {

    private FaultProbe() {}

    public static void main(String[] args) throws Exception {
        Path rootfs = Path.of(args[0]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        HostSnapshot baseline = null;
        for (String line; (line = in.readLine()) != null; ) {
            String[] f = line.split(" ");
            String answer;
            try {
                answer = switch (f[0]) {
                    case "run" -> run(Container.builder().id(f[1]).rootfs(rootfs));
                    case "sandbox" -> run(Container.builder().id(f[1]));
                    case "baseline" -> {
                        baseline = HostSnapshot.take();
                        yield "ok";
                    }
                    case "leaks" -> {
                        // a reaped process's fds close a moment later: let them
                        List<String> leaks = HostSnapshot.take().leaksSince(baseline);
                        for (int i = 0; i < 50 && !leaks.isEmpty(); i++) {
                            Thread.sleep(100);
                            leaks = HostSnapshot.take().leaksSince(baseline);
                        }
                        yield "leaks " + String.join("; ", leaks);
                    }
                    case "fds" -> {
                        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
                            yield "fds " + s.count();
                        }
                    }
                    case "state" -> {
                        Path dir = SandboxRoot.stateDirectory();
                        try (Stream<Path> s = Files.isDirectory(dir) ? Files.list(dir) : Stream.empty()) {
                            yield "state " + String.join(",", s.map(p -> p.getFileName().toString()).sorted().toList());
                        }
                    }
                    default -> "error unknown command " + line;
                };
            } catch (Throwable t) {
                answer = "error " + describe(t);
                t.printStackTrace(); // on the probe's stderr: the test's output
            }
            System.out.println(answer.replace('\n', ' '));
            System.out.flush();
        }
    }

    private static String run(ContainerBuilder b) throws Exception {
        try (Container c = b.redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD).command("/bin/true").build()) {
            ContainerProcess p = c.run();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return "error container " + c.id() + " did not exit 0";
            }
        }
        return "ok";
    }

    private static String describe(Throwable t) {
        StringBuilder s = new StringBuilder(t.getClass().getName() + ": " + t.getMessage());
        if (t.getCause() != null) {
            s.append(" [cause ").append(t.getCause()).append(']');
        }
        for (Throwable suppressed : t.getSuppressed()) {
            s.append(" [suppressed ").append(suppressed.getClass().getName()).append(": ").append(suppressed.getMessage())
                    .append(']');
        }
        return s.toString();
    }
}
