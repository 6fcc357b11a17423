package dev.gatun.core.ns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.core.spawn.Program;
import dev.gatun.core.spawn.SpawnOptions;
import dev.gatun.namespaces.IdMappings;
import dev.gatun.namespaces.NamespaceStep;
import dev.gatun.namespaces.NamespaceType;
import dev.gatun.namespaces.Namespaces;
import dev.gatun.namespaces.TimeOffsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The planner's output without spawning: joins of this process's own namespaces (which any user
 * may open) and the plans it refuses before opening anything.
 */
class NamespaceSetupTest {

    private static final Pattern SETNS = Pattern.compile("setns\\((\\d+)<([^>]+)>, (CLONE_NEW\\w+)\\)");

    @Test
    void joinsBecomeSetnsStepsOnFdsOpenedInTheParentInTheUserFirstOrder() throws Exception {
        Namespaces ns = Namespaces.builder()
                .join(NamespaceType.NETWORK, Path.of("/proc/self/ns/net"))
                .join(NamespaceType.UTS, Path.of("/proc/self/ns/uts"))
                .build();
        List<Integer> fds;
        try (NamespaceSetup setup = NamespaceSetup.prepare(ns)) {
            String rendered = setup.appendChildSteps(Program.builder()).build().render();
            Matcher m = SETNS.matcher(rendered);
            List<String[]> joins = new java.util.ArrayList<>();
            while (m.find()) {
                joins.add(new String[] {m.group(1), m.group(2), m.group(3)});
            }
            assertThat(joins).extracting(j -> j[1] + " " + j[2])
                    .containsExactly("/proc/self/ns/uts CLONE_NEWUTS", "/proc/self/ns/net CLONE_NEWNET");
            fds = joins.stream().map(j -> Integer.parseInt(j[0])).toList();
            // the fds are open on the namespaces named, before any spawn
            assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fds.get(0))))
                    .isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/uts")));
            assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fds.get(1))))
                    .isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/net")));
            assertThat(setup.spawnOptions(SpawnOptions.defaults()).namespaces()).isZero();
            assertThat(setup.requiresHandshake()).isFalse();
            assertThat(setup.requiresFork()).isFalse();
        }
        for (int fd : fds) {
            assertThat(Path.of("/proc/self/fd/" + fd)).as("fd %d after close", fd).doesNotExist();
        }
    }

    @Test
    void theCloneFlagsAreAddedToTheCallersOptions() throws Exception {
        Namespaces ns = Namespaces.builder().join(NamespaceType.IPC, Path.of("/proc/self/ns/ipc")).build();
        try (NamespaceSetup setup = NamespaceSetup.prepare(ns)) {
            SpawnOptions base = SpawnOptions.defaults().namespaces(NamespaceType.CGROUP.cloneFlag()).legacyClone(true);
            SpawnOptions options = setup.spawnOptions(base);
            assertThat(options.namespaces()).isEqualTo(NamespaceType.CGROUP.cloneFlag());
            assertThat(options.legacyClone()).isTrue();
        }
    }

    @Test
    void aMissingNamespaceFileFailsPrepareNamingItAndClosesWhatWasOpened() throws Exception {
        long before = openFds();
        Namespaces ns = Namespaces.builder()
                .join(NamespaceType.UTS, Path.of("/proc/self/ns/uts"))
                .join(NamespaceType.NETWORK, Path.of("/run/netns/gatun-no-such-namespace"))
                .build();
        assertThatThrownBy(() -> NamespaceSetup.prepare(ns))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("/run/netns/gatun-no-such-namespace");
        assertThat(openFds()).isEqualTo(before);
    }

    @Test
    void joiningATimeNamespaceIsRefusedBecauseEverySpawnSharesTheJvmsMemory() {
        Namespaces ns = Namespaces.builder().join(NamespaceType.TIME, Path.of("/proc/self/ns/time")).build();
        assertThatThrownBy(() -> NamespaceSetup.prepare(ns))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("joining a time namespace (/proc/self/ns/time) is not supported yet")
                .hasMessageContaining("EUSERS");
    }

    @Test
    void aPlanThatNeedsBothAParentPauseAndAForkIsRefusedBeforeAnythingIsOpened() {
        // a new user namespace with a join: everything is unshared after the join, a new PID namespace too
        Namespaces ns = Namespaces.builder()
                .create(NamespaceType.USER, NamespaceType.PID)
                .idMappings(IdMappings.rootless(1000, 1000))
                .join(NamespaceType.NETWORK, Path.of("/run/gatun-does-not-exist/net"))
                .build();
        assertThat(ns.requiresFork()).isTrue();
        assertThat(ns.requiresParentSync()).isTrue();
        assertThatThrownBy(() -> NamespaceSetup.prepare(ns))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("does not run a fork step in a handshake spawn yet");
        Namespaces offsets = Namespaces.builder()
                .create(NamespaceType.TIME, NamespaceType.PID).timeOffsets(TimeOffsets.monotonic(Duration.ofHours(1)))
                .join(NamespaceType.USER, Path.of("/run/gatun-does-not-exist/user"))
                .build();
        assertThatThrownBy(() -> NamespaceSetup.prepare(offsets)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aJoinedPidNamespaceIsLeftToTheSpawnerThreadSoTheChildNeedsNoSetnsAndNoFork() throws Exception {
        Namespaces ns = Namespaces.builder().join(NamespaceType.PID, Path.of("/proc/self/ns/pid"))
                .join(NamespaceType.UTS, Path.of("/proc/self/ns/uts")).build();
        assertThat(ns.requiresFork()).as("what the plan alone asks").isTrue();
        int fd;
        try (NamespaceSetup setup = NamespaceSetup.prepare(ns)) {
            assertThat(setup.joinsPidNamespaceAtClone()).isTrue();
            assertThat(setup.requiresFork()).isFalse();
            assertThat(setup.namespaces()).isEqualTo(ns);
            Program program = setup.appendChildSteps(Program.builder()).build();
            assertThat(program.render()).contains("CLONE_NEWUTS").doesNotContain("CLONE_NEWPID");
            assertThat(program.forks()).isFalse();
            SpawnOptions options = setup.spawnOptions(SpawnOptions.defaults());
            assertThat(options.namespaces()).isZero();
            assertThat(options.pidNamespaceFd()).isPresent();
            fd = options.pidNamespaceFd().getAsInt();
            assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)))
                    .isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/pid")));
        }
        assertThat(Path.of("/proc/self/fd/" + fd)).as("fd %d after close", fd).doesNotExist();
    }

    @Test
    void withoutCapSysAdminAPidNamespaceJoinedAfterAUserNamespaceStaysTheChildsWithAFork() {
        Namespaces ns = Namespaces.builder().join(NamespaceType.USER, Path.of("/proc/self/ns/user"))
                .join(NamespaceType.PID, Path.of("/proc/self/ns/pid")).build();
        // only a child that joined the user namespace has CAP_SYS_ADMIN over the PID namespace
        assertThat(NamespaceSetup.childPart(ns, false)).isSameAs(ns);
        assertThat(ns.steps()).containsExactly(new NamespaceStep.Join(NamespaceType.USER, Path.of("/proc/self/ns/user")),
                new NamespaceStep.Join(NamespaceType.PID, Path.of("/proc/self/ns/pid")), new NamespaceStep.Fork());
        // root joins it from the spawner thread
        assertThat(NamespaceSetup.childPart(ns, true).steps())
                .containsExactly(new NamespaceStep.Join(NamespaceType.USER, Path.of("/proc/self/ns/user")));
        // without a user namespace join, the spawner thread does it for anyone (whom the kernel lets)
        Namespaces pidOnly = Namespaces.builder().join(NamespaceType.PID, Path.of("/proc/self/ns/pid")).build();
        assertThat(NamespaceSetup.childPart(pidOnly, false).steps()).isEmpty();
    }

    @Test
    void spawnOptionsRefuseANewAndAJoinedPidNamespaceTogether() {
        assertThatThrownBy(() -> SpawnOptions.defaults().namespaces(NamespaceType.PID.cloneFlag()).pidNamespaceFd(7))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CLONE_NEWPID").hasMessageContaining("pidNamespaceFd is 7");
        assertThatThrownBy(() -> SpawnOptions.defaults().pidNamespaceFd(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pidNamespaceFd must be >= 0: -1");
    }

    @Test
    void aClosedSetupAppendsNothing() throws Exception {
        NamespaceSetup setup = NamespaceSetup.prepare(Namespaces.host());
        setup.close();
        setup.close();
        assertThatThrownBy(() -> setup.appendChildSteps(Program.builder()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void theHostsNamespacesNeedNoStepsNoFlagsAndNoHandshake() throws Exception {
        try (NamespaceSetup setup = NamespaceSetup.prepare(Namespaces.host())) {
            assertThat(setup.appendChildSteps(Program.builder()).build().steps()).isEmpty();
            assertThat(setup.spawnOptions(SpawnOptions.defaults())).isEqualTo(SpawnOptions.defaults());
            assertThat(setup.requiresHandshake()).isFalse();
            assertThat(setup.idMapperPlan()).isNull();
        }
    }

    private static long openFds() throws Exception {
        try (var list = Files.list(Path.of("/proc/self/fd"))) {
            return list.count();
        }
    }
}
