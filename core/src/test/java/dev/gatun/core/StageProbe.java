package dev.gatun.core;

import dev.gatun.core.linux.Arch;
import dev.gatun.core.linux.SyscallTable;
import dev.gatun.oci.Hook;
import dev.gatun.oci.Hooks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Run in a child JVM by {@link ContainerStageKillKernelTest}: brings one container to a stage of
 * its lifecycle and stops there, for the test to SIGKILL the JVM at that moment. Stages:
 * {@code created} (the init waits before exec), {@code createRuntime} and {@code prestart} (the
 * JVM is inside that hook: the init waits at the clone's sync point), {@code poststop} (the JVM
 * is inside delete's poststop hook). The hooks write the state on stdin to {@code <dir>/state.json}
 * and their own pid to {@code <dir>/hook.pid}, then sleep. Prints {@code container <id>},
 * {@code proc <pid> <start time>} for the init (when it lives), then {@code ready}.
 */
public final class StageProbe {

    private StageProbe() {}

    public static void main(String[] args) throws Exception {
        String id = args[0];
        String stage = args[1];
        Path dir = Path.of(args[2]);
        Hook hook = new Hook("/bin/sh", List.of("sh", "-c", "cat > " + dir.resolve("state.json") + "; echo $$ > "
                + dir.resolve("hook.tmp") + " && mv " + dir.resolve("hook.tmp") + " " + dir.resolve("hook.pid")
                + "; exec sleep 600"), null, null);
        List<Hook> one = List.of(hook);
        Hooks hooks = switch (stage) {
            case "createRuntime" -> new Hooks(null, one, null, null, null, null);
            case "prestart" -> new Hooks(one, null, null, null, null, null);
            case "poststop" -> new Hooks(null, null, null, null, null, one);
            default -> null;
        };
        int prctl = SyscallTable.of(Arch.current()).number("prctl");
        ContainerBuilder b = Container.builder().id(id)
                // the init clears its parent-death signal and ignores signals: only the sentinel stops it
                .command("perl", "-e", "$SIG{TERM} = $SIG{INT} = $SIG{HUP} = q{IGNORE}; syscall(" + prctl + ", 1, 0); sleep 600");
        if (hooks != null) {
            b.hooks(hooks);
        }
        Container c = b.build();
        System.out.println("container " + id);
        switch (stage) {
            case "created" -> {
                c.create();
                printProc(c.state().pid());
            }
            case "createRuntime", "prestart" -> {
                Thread.ofPlatform().start(() -> {
                    try {
                        c.create();
                    } catch (Exception e) {
                        e.printStackTrace();
                    }
                });
                awaitHook(dir);
                Matcher m = Pattern.compile("\"pid\"\\s*:\\s*(\\d+)").matcher(Files.readString(dir.resolve("state.json")));
                if (m.find()) {
                    printProc(Long.parseLong(m.group(1)));
                }
            }
            case "poststop" -> {
                c.create();
                long pid = c.state().pid();
                ContainerProcess init = c.start();
                c.kill(9);
                init.waitFor();
                Thread.ofPlatform().start(() -> {
                    try {
                        c.delete();
                    } catch (Exception e) {
                        e.printStackTrace();
                    }
                });
                awaitHook(dir);
                System.out.println("init " + pid);
            }
            default -> throw new IllegalArgumentException(stage);
        }
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(600_000);
    }

    private static void awaitHook(Path dir) throws InterruptedException {
        while (!Files.exists(dir.resolve("hook.pid"))) {
            Thread.sleep(20);
        }
    }

    private static void printProc(long pid) throws Exception {
        System.out.println("proc " + pid + " " + SentinelProbe.startTime(pid));
    }
}
