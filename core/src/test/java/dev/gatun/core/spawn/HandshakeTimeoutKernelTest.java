package dev.gatun.core.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A handshake whose child cannot be killed ends with an error that names the child and what the
 * parent waited for, instead of waiting forever. The child is made unkillable honestly: a task in
 * a frozen cgroup v1 freezer does not act on SIGKILL until it is thawed (the v2 freezer lets
 * fatal signals through, so this needs the v1 freezer of a hybrid or legacy host).
 */
@KernelTest
@Timeout(60)
class HandshakeTimeoutKernelTest {

    @Test
    void closingAHandshakeWhoseChildIsFrozenFailsNamingTheChildInsteadOfWaitingForever() throws Exception {
        Path freezerMount = Path.of("/sys/fs/cgroup/freezer");
        Kernel.require(Files.exists(freezerMount.resolve("cgroup.procs")), "a cgroup v1 freezer hierarchy");
        Path freezer = ownFreezerCgroup(freezerMount).resolve("gatun-test-" + ProcessHandle.current().pid() + "-frozen");
        Files.createDirectory(freezer);
        Handshake h = Spawner.get().start(Program.builder().awaitParent().build(), SpawnOptions.defaults());
        try {
            Files.writeString(freezer.resolve("cgroup.procs"), Long.toString(h.process().pid()));
            Files.writeString(freezer.resolve("freezer.state"), "FROZEN");
            awaitFreezer(freezer, "FROZEN");

            assertThatThrownBy(() -> h.close(Duration.ofMillis(500)))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("process " + h.process().pid())
                    .hasMessageContaining("its death after SIGKILL")
                    .hasMessageContaining("frozen");
            assertThat(h.process().isAlive()).as("the frozen child, SIGKILLed").isTrue();
        } finally {
            Files.writeString(freezer.resolve("freezer.state"), "THAWED");
            assertThat(h.process().onExit().get(10, TimeUnit.SECONDS)).isNotNull(); // the SIGKILL lands at thaw
            Files.delete(freezer);
        }
    }

    private static Path ownFreezerCgroup(Path mount) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            String[] f = line.split(":", 3);
            if (f.length == 3 && java.util.List.of(f[1].split(",")).contains("freezer")) {
                return Path.of(mount.toString(), f[2]);
            }
        }
        throw new IllegalStateException("/proc/self/cgroup has no freezer line");
    }

    private static void awaitFreezer(Path dir, String state) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!Files.readString(dir.resolve("freezer.state")).strip().equals(state)) {
            assertThat(System.nanoTime()).as("%s reaches %s", dir, state).isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
