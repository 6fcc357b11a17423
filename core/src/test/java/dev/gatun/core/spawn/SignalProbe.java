package dev.gatun.core.spawn;

import java.util.List;

/**
 * Probe for {@link SpawnerTest}: starts a child that waits for its parent, sends it SIGQUIT and
 * prints how it ended. Were the JVM's SIGQUIT handler still installed in the child, this JVM
 * would print a thread dump ("Full thread dump") to its stdout.
 */
public final class SignalProbe {

    private SignalProbe() {}

    public static void main(String[] args) throws Exception {
        Program program = Program.builder().unblockSignals().awaitParent()
                .execve("/bin/true", List.of("true"), List.of()).build();
        try (Handshake h = Spawner.get().start(program, SpawnOptions.defaults())) {
            Thread.sleep(100); // let the child reach its read
            h.process().signal(3);
            System.out.println("child " + h.process().waitFor());
        }
        Thread.sleep(500); // a dump, were one triggered, is printed by the Signal Dispatcher meanwhile
        System.out.println("jvm alive");
    }
}
