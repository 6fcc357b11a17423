package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.namespaces.NamespaceSet;
import dev.gatun.namespaces.NamespaceType;
import dev.gatun.oci.Hook;
import dev.gatun.oci.Hooks;
import dev.gatun.oci.OciSpecs;
import dev.gatun.oci.State;
import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OCI hooks that run in the container's namespaces: createContainer (during create, before
 * pivot_root, its path resolved in the runtime's filesystem) and startContainer (during start,
 * before the command, its path resolved in the container's), each with the state on stdin and
 * the runtime's credentials, as the kernel shows them.
 */
@KernelTest
@Timeout(120)
class ContainerHooksInContainerKernelTest {

    @TempDir
    Path tmp;

    @BeforeAll
    static void gatunIsWarm() throws Exception {
        Ran.warmUp();
    }

    @Test
    void createContainerRunsInTheContainersNamespacesBeforePivotRootWithTheStateOnStdin() throws Exception {
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static");
        Path rootfs = BusyboxRootfs.create(tmp.resolve("rootfs"));
        Path seen = tmp.resolve("seen");
        // the hook's view: the host's files (its path and `seen` resolve there) with the rootfs
        // mounted where the bundle has it, the container's hostname and network namespace
        Hook hook = new Hook("/bin/sh", List.of("sh", "-c", "cat > " + seen + ".json; { hostname; readlink /proc/self/ns/net; "
                + "id -u; grep CapEff /proc/self/status; } > " + seen + "; echo from-the-hook > " + rootfs + "/hooked"),
                List.of("A=1"), 10);
        String id = Leftovers.id("hookcc");
        try (Container c = Container.builder().id(id).rootfs(rootfs).hostname("hooked-box")
                .hooks(new Hooks(null, null, List.of(hook), null, null, null))
                .command("/bin/cat", "/hooked").build()) {
            c.create();
            long pid = c.state().pid();
            List<String> lines = Files.readAllLines(seen);
            assertThat(lines.get(0)).isEqualTo("hooked-box");
            assertThat(lines.get(1)).isEqualTo(NamespaceSet.of(pid).get(NamespaceType.NETWORK).orElseThrow().toString());
            assertThat(lines.get(1)).isNotEqualTo(NamespaceSet.self().get(NamespaceType.NETWORK).orElseThrow().toString());
            assertThat(lines.get(2)).isEqualTo("0");
            assertThat(lines.get(3)).as("the runtime's capabilities, not the container's")
                    .isEqualTo(Files.readAllLines(Path.of("/proc/self/status")).stream()
                            .filter(l -> l.startsWith("CapEff")).findFirst().orElseThrow());
            State state = OciSpecs.readState(tmp.resolve("seen.json"));
            assertThat(state.id()).isEqualTo(id);
            assertThat(state.status()).isEqualTo("creating");
            assertThat(state.pid()).isEqualTo((int) pid);
            ContainerProcess p = c.start();
            assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .as("the command sees what the hook wrote into its rootfs").isEqualTo("from-the-hook\n");
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void startContainerRunsInTheContainerBeforeTheCommandWithItsPathResolvedThere() throws Exception {
        // /bin/sh and /tmp as the container sees them: its own /tmp, where the command then reads
        Hook hook = new Hook("/bin/sh", List.of("sh", "-c", "{ cat; echo; echo $B; } > /tmp/start.json"),
                List.of("B=from-env"), 10);
        String id = Leftovers.id("hooksc");
        try (Container c = Container.builder().id(id)
                .hooks(new Hooks(null, null, null, List.of(hook), null, null))
                .command("/bin/cat", "/tmp/start.json").build()) {
            c.create();
            ContainerProcess p = c.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
            List<String> lines = out.lines().toList();
            State state = OciSpecs.readState(String.join("\n", lines.subList(0, lines.size() - 1)));
            assertThat(state.id()).isEqualTo(id);
            assertThat(state.status()).isEqualTo("created");
            assertThat(lines.getLast()).isEqualTo("from-env");
            assertThat(Files.exists(Path.of("/tmp/start.json")) && Files.readString(Path.of("/tmp/start.json")).contains(id))
                    .as("not the host's /tmp").isFalse();
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void aFailingStartContainerHookStopsTheContainerAndFailsStartNamingIt() throws Exception {
        Hook failing = new Hook("/bin/sh", List.of("sh", "-c", "echo refused; exit 3"), null, 10);
        String id = Leftovers.id("hookscfail");
        try (Container c = Container.builder().id(id).hooks(new Hooks(null, null, null, List.of(failing), null, null))
                .command("/bin/sh", "-c", "echo the command ran").build()) {
            c.create();
            long pid = c.state().pid();
            assertThatThrownBy(c::start).hasMessageContaining("cannot start container " + id)
                    .hasMessageContaining("hooks.startContainer[0] (/bin/sh) exited with 3: refused");
            assertThat(c.status()).isEqualTo(ContainerStatus.STOPPED);
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            c.delete();
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void aFailingOrMissingCreateContainerHookFailsCreateAndLeavesNothing() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        for (Hook bad : List.of(new Hook("/bin/sh", List.of("sh", "-c", "exit 4"), null, 10),
                new Hook("/no/such/hook", null, null, 10))) {
            String id = Leftovers.id("hookccfail");
            try (Container c = Container.builder().id(id).hooks(new Hooks(null, null, List.of(bad), null, null, null))
                    .command("/bin/true").build()) {
                assertThatThrownBy(c::create).hasMessageContaining("hooks.createContainer[0] (" + bad.path() + ")");
                assertThat(c.status()).isEqualTo(ContainerStatus.NEW);
            }
            Leftovers.assertNoneOf(id);
        }
        HostSnapshot.take().assertNoLeaksSince(before);
    }
}
