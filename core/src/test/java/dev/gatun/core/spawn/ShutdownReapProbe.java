package dev.gatun.core.spawn;

import java.time.Duration;
import java.util.List;

/**
 * Probe for {@link SpawnerTest}: spawns {@code sleep 60}, and from a shutdown hook, once the
 * reaper has left {@code epoll_wait} for the JVM's exit, kills it and waits for its exit status:
 * the reaper must still reap what shutdown hooks kill. Prints {@code polling <bool>} and
 * {@code reaped <status>}.
 */
public final class ShutdownReapProbe {

    private ShutdownReapProbe() {}

    public static void main(String[] args) throws Exception {
        SpawnedProcess p = Spawner.get().spawn(Program.builder().closeRangeCloexec(3).unblockSignals()
                .execve("/bin/busybox", List.of("sleep", "60"), List.of()).build(), SpawnOptions.defaults());
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            try {
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (!Reaper.get().shuttingDown() && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                System.out.println("polling " + Reaper.get().shuttingDown());
                p.kill();
                System.out.println("reaped " + p.waitFor(Duration.ofSeconds(10)).map(ExitStatus::toString).orElse("no"));
            } catch (Exception e) {
                System.out.println("failed " + e);
            }
        }));
        System.exit(0);
    }
}
