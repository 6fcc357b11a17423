package dev.gatun.core.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.core.linux.LibC;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.KernelTest;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A spawn stuck in the kernel is a bounded wait for its caller, and nothing of it leaks when it ends. */
@KernelTest
class SpawnTimeoutKernelTest {

    private static final List<String> ENV = List.of("PATH=/usr/bin:/bin");

    @Test
    void aSpawnWhoseChildBlocksBeforeExecTimesOutNamingTheWaitAndIsUndoneWhenItEnds() throws Exception {
        Spawner.get().spawn(Program.builder().unblockSignals().execve("/bin/true", List.of("true"), ENV).build(),
                SpawnOptions.defaults()).waitFor(); // the spawner and reaper exist before the snapshot
        HostSnapshot before = HostSnapshot.take();
        int[] pipe = LibC.pipe2(LibC.O_CLOEXEC);
        // CLONE_VFORK: the spawner thread waits in clone until the child execs, and the child waits in read
        Program blocked = Program.builder().syscall("read", Arg.of(pipe[0]), new Arg.Buffer(1), Arg.of(1))
                .unblockSignals().execve("/bin/sleep", List.of("sleep", "60"), ENV).build();
        String old = System.getProperty("gatun.spawnTimeoutSeconds");
        System.setProperty("gatun.spawnTimeoutSeconds", "1");
        long start = System.nanoTime();
        try {
            assertThatThrownBy(() -> Spawner.get().spawn(blocked, SpawnOptions.defaults()))
                    .isInstanceOf(IOException.class).hasMessageContaining("has not finished a spawn in 1 s");
        } finally {
            restore(old);
        }
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
        // let the child go: it execs sleep 60, which the abandoned spawn's undo kills
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            LibC.write(pipe[1], arena.allocateFrom("!"));
        }
        LibC.close(pipe[0]);
        LibC.close(pipe[1]);
        // the spawner is free again, and what the abandoned spawn made is gone
        assertThat(Spawner.get().spawn(Program.builder().unblockSignals().execve("/bin/true", List.of("true"), ENV)
                .build(), SpawnOptions.defaults()).waitFor().code()).isZero();
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    private static void restore(String old) {
        if (old == null) {
            System.clearProperty("gatun.spawnTimeoutSeconds");
        } else {
            System.setProperty("gatun.spawnTimeoutSeconds", old);
        }
    }
}
