package dev.gatun.core.ns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.core.spawn.Program;
import dev.gatun.core.spawn.SpawnOptions;
import dev.gatun.namespaces.IdMappings;
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
        Namespaces ns = Namespaces.builder()
                .create(NamespaceType.USER, NamespaceType.MOUNT)
                .idMappings(IdMappings.rootless(1000, 1000))
                .join(NamespaceType.PID, Path.of("/run/gatun-does-not-exist/pid"))
                .build();
        assertThat(ns.requiresFork()).isTrue();
        assertThat(ns.requiresParentSync()).isTrue();
        assertThatThrownBy(() -> NamespaceSetup.prepare(ns))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("does not run a fork step in a handshake spawn yet");
        Namespaces offsets = Namespaces.builder()
                .create(NamespaceType.TIME).timeOffsets(TimeOffsets.monotonic(Duration.ofHours(1)))
                .join(NamespaceType.PID, Path.of("/run/gatun-does-not-exist/pid"))
                .build();
        assertThatThrownBy(() -> NamespaceSetup.prepare(offsets)).isInstanceOf(UnsupportedOperationException.class);
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
