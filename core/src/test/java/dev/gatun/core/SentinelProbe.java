package dev.gatun.core;

import dev.gatun.core.linux.Arch;
import dev.gatun.core.linux.SyscallTable;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Run in a child JVM by {@link ContainerSentinelKernelTest}: starts two default containers whose
 * code does all it can to outlive the JVM (the init clears its parent-death signal, ignores
 * SIGTERM, SIGINT and SIGHUP, and forks two children that do the same), prints each process as
 * {@code proc <host pid> <start time>} and the ids as {@code container <id>}, then {@code ready},
 * and waits to be killed.
 */
public final class SentinelProbe {

    private SentinelProbe() {}

    public static void main(String[] args) throws Exception {
        String prefix = args[0];
        int prctl = SyscallTable.of(Arch.current()).number("prctl");
        String script = "$SIG{TERM} = $SIG{INT} = $SIG{HUP} = q{IGNORE}; syscall(" + prctl + ", 1, 0); "
                + "for (1..2) { if (fork() == 0) { sleep 600; exit } } $| = 1; print qq{up\\n}; sleep 600";
        List<Container> containers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Container c = Container.builder().id(prefix + i).command("perl", "-e", script).build();
            containers.add(c);
            ContainerProcess init = c.run();
            String up = new BufferedReader(new InputStreamReader(init.getInputStream(), StandardCharsets.UTF_8)).readLine();
            if (!"up".equals(up)) {
                throw new IllegalStateException("container " + c.id() + " said " + up);
            }
            System.out.println("container " + c.id());
            print(init.pid());
            for (String child : Files.readString(Path.of("/proc/" + init.pid() + "/task/" + init.pid() + "/children"))
                    .trim().split("\\s+")) {
                print(Long.parseLong(child));
            }
        }
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(600_000);
    }

    private static void print(long pid) throws Exception {
        System.out.println("proc " + pid + " " + startTime(pid));
    }

    /** Field 22 of /proc/<pid>/stat: with the pid, names one process for good. */
    static String startTime(long pid) throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19];
    }
}
