package dev.gatun.core.spawn;

import java.util.List;

/**
 * Probe for {@link SpawnerTest}: starts a child that waits for its parent, sends it SIGQUIT and
 * prints how it ended (argument {@code legacy}: through legacy clone, where program steps reset
 * the handlers instead of CLONE_CLEAR_SIGHAND). Were the JVM's SIGQUIT handler still installed in the child, this JVM
 * would print a thread dump ("Full thread dump") to its stdout.
 */
public final class SignalProbe {

    private SignalProbe() {}

    public static void main(String[] args) throws Exception {
        Program program = Program.builder().unblockSignals().awaitParent()
                .execve("/bin/true", List.of("true"), List.of()).build();
        boolean legacy = args.length > 0 && args[0].equals("legacy");
        try (Handshake h = Spawner.get().start(program, SpawnOptions.defaults().legacyClone(legacy))) {
            Thread.sleep(100); // let the child reach its read
            h.process().signal(3);
            System.out.println("child " + h.process().waitFor());
        }
        Thread.sleep(500); // a dump, were one triggered, is printed by the Signal Dispatcher meanwhile
        System.out.println("jvm alive");
    }
}
