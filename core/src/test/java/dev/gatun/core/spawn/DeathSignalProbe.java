package dev.gatun.core.spawn;

import java.util.List;

/**
 * Probe for {@link SpawnerTest}: spawns {@code sleep 60} with {@code PR_SET_PDEATHSIG(SIGKILL)},
 * prints its pid and halts the JVM at once. The child must die with the JVM.
 */
public final class DeathSignalProbe {

    private DeathSignalProbe() {}

    public static void main(String[] args) throws Exception {
        SpawnedProcess p = Spawner.get().spawn(Program.builder().parentDeathSignal(9).closeRangeCloexec(3)
                .unblockSignals().execve("/bin/busybox", List.of("sleep", "60"), List.of()).build(),
                SpawnOptions.defaults());
        System.out.println("pid " + p.pid());
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
