package dev.gatun.namespaces;

import static dev.gatun.namespaces.NamespaceType.CGROUP;
import static dev.gatun.namespaces.NamespaceType.IPC;
import static dev.gatun.namespaces.NamespaceType.MOUNT;
import static dev.gatun.namespaces.NamespaceType.NETWORK;
import static dev.gatun.namespaces.NamespaceType.PID;
import static dev.gatun.namespaces.NamespaceType.TIME;
import static dev.gatun.namespaces.NamespaceType.USER;
import static dev.gatun.namespaces.NamespaceType.UTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class NamespacesTest {

    private static final IdMappings ROOTLESS = IdMappings.rootless(1000, 1000);

    @Test
    void everythingIsSharedByDefault() {
        Namespaces ns = Namespaces.host();
        assertThat(ns.cloneFlags()).isZero();
        assertThat(ns.steps()).isEmpty();
        assertThat(ns.created()).isEmpty();
        assertThat(ns.mode(NETWORK)).isInstanceOf(NamespaceMode.Share.class);
        assertThat(ns.requiresFork()).isFalse();
        assertThat(ns.requiresParentSync()).isFalse();
    }

    @Test
    void newNamespacesWithoutJoinsAreAllCreatedByTheClone() {
        Namespaces ns = Namespaces.builder().create(PID, MOUNT, UTS, IPC, NETWORK, CGROUP).build();
        assertThat(ns.cloneFlags()).isEqualTo(0x2000_0000L | 0x0002_0000L | 0x0400_0000L | 0x0800_0000L
                | 0x4000_0000L | 0x0200_0000L);
        assertThat(ns.steps()).isEmpty();
        assertThat(ns.requiresFork()).isFalse();
    }

    @Test
    void aNewUserNamespaceIsClonedAndTheChildWaitsForItsMaps() {
        Namespaces ns = Namespaces.builder().create(USER, PID, MOUNT).idMappings(ROOTLESS).build();
        assertThat(ns.cloneFlags()).isEqualTo(USER.cloneFlag() | PID.cloneFlag() | MOUNT.cloneFlag());
        assertThat(ns.steps()).containsExactly(new NamespaceStep.AwaitParent(true, false));
        assertThat(ns.requiresParentSync()).isTrue();
        assertThat(ns.idMappings()).hasValue(ROOTLESS);
    }

    @Test
    void aNewUserNamespaceNeedsMappings() {
        assertThatThrownBy(() -> Namespaces.builder().create(USER).build())
                .isInstanceOf(NamespaceConfigException.class)
                .hasMessageContaining("idMappings")
                .hasMessageContaining("IdMappings.rootless");
    }

    @Test
    void mappingsWithoutANewUserNamespaceAreAMistake() {
        assertThatThrownBy(() -> Namespaces.builder().create(PID).idMappings(ROOTLESS).build())
                .isInstanceOf(NamespaceConfigException.class)
                .hasMessageContaining("only to a new user namespace")
                .hasMessageContaining("shared");
    }

    @Test
    void timeOffsetsNeedANewTimeNamespace() {
        assertThatThrownBy(() -> Namespaces.builder()
                        .join(TIME, Path.of("/proc/1/ns/time"))
                        .timeOffsets(TimeOffsets.monotonic(Duration.ofSeconds(5)))
                        .build())
                .isInstanceOf(NamespaceConfigException.class)
                .hasMessageContaining("timeOffsets")
                .hasMessageContaining("join /proc/1/ns/time");
    }

    @Test
    void aTimeNamespaceWithOffsetsIsUnsharedSoTheParentCanWriteThemBeforeAnyoneEnters() {
        Namespaces ns = Namespaces.builder().create(TIME, PID)
                .timeOffsets(TimeOffsets.boottime(Duration.ofHours(1))).build();
        assertThat(ns.cloneFlags()).isEqualTo(PID.cloneFlag());
        assertThat(ns.steps()).containsExactly(
                new NamespaceStep.Unshare(EnumSet.of(TIME)), new NamespaceStep.AwaitParent(false, true));
    }

    @Test
    void aTimeNamespaceWithoutOffsetsIsCloned() {
        assertThat(Namespaces.builder().create(TIME).build().cloneFlags()).isEqualTo(TIME.cloneFlag());
    }

    @Test
    void joiningAPidNamespaceNeedsAFork() {
        Namespaces ns = Namespaces.builder().join(PID, 77).create(MOUNT).build();
        assertThat(ns.cloneFlags()).isEqualTo(MOUNT.cloneFlag());
        assertThat(ns.steps()).containsExactly(
                new NamespaceStep.Join(PID, Path.of("/proc/77/ns/pid")), new NamespaceStep.Fork());
        assertThat(ns.requiresFork()).isTrue();
        assertThat(ns.requiresPrivateMemory()).isFalse();
    }

    @Test
    void joinsFollowRuncsOrderWithMountLate() {
        Namespaces ns = Namespaces.builder()
                .join(MOUNT, 5).join(NETWORK, 5).join(UTS, Path.of("/run/utsns/a")).join(IPC, 5).build();
        assertThat(ns.steps()).extracting(s -> ((NamespaceStep.Join) s).type()).containsExactly(IPC, UTS, NETWORK, MOUNT);
        assertThat(ns.joined().keySet()).containsExactly(IPC, UTS, NETWORK, MOUNT);
    }

    @Test
    void joiningAUserNamespaceComesFirstAndEverythingNewIsUnsharedAfterIt() {
        Namespaces ns = Namespaces.builder().join(NETWORK, 9).join(USER, 9).create(PID, MOUNT, UTS).build();
        assertThat(ns.cloneFlags()).isZero();
        assertThat(ns.steps()).containsExactly(
                new NamespaceStep.Join(USER, Path.of("/proc/9/ns/user")),
                new NamespaceStep.Join(NETWORK, Path.of("/proc/9/ns/net")),
                new NamespaceStep.Unshare(EnumSet.of(PID, MOUNT, UTS)),
                new NamespaceStep.Fork());
        assertThat(ns.requiresPrivateMemory()).isFalse();
        assertThat(ns.requiresParentSync()).isFalse();
    }

    @Test
    void joinsAlongsideANewUserNamespaceHappenBeforeItIsCreated() {
        Namespaces ns = Namespaces.builder().create(USER, MOUNT).join(NETWORK, 9).idMappings(ROOTLESS).build();
        assertThat(ns.cloneFlags()).isZero();
        assertThat(ns.steps()).containsExactly(
                new NamespaceStep.Join(NETWORK, Path.of("/proc/9/ns/net")),
                new NamespaceStep.Unshare(EnumSet.of(USER, MOUNT)),
                new NamespaceStep.AwaitParent(true, false));
        assertThat(((NamespaceStep.Unshare) ns.steps().get(1)).flags())
                .isEqualTo(USER.cloneFlag() | MOUNT.cloneFlag());
    }

    @Test
    void aProcPathOfAnotherTypeIsRejected() {
        assertThatThrownBy(() -> Namespaces.builder().join(UTS, Path.of("/proc/3/ns/net")).build())
                .isInstanceOf(NamespaceConfigException.class)
                .hasMessageContaining("uts.path = /proc/3/ns/net")
                .hasMessageContaining("'net'");
        Namespaces ok = Namespaces.builder().join(PID, Path.of("/proc/3/ns/pid_for_children")).build();
        assertThat(ok.joined()).containsKey(PID);
    }

    @Test
    void aRelativeJoinPathIsRejected() {
        assertThatThrownBy(() -> Namespaces.builder().join(NETWORK, Path.of("run/netns/x")))
                .isInstanceOf(NamespaceConfigException.class)
                .hasMessageContaining("absolute");
    }

    @Test
    void joiningATimeNamespaceNeedsPrivateMemory() {
        assertThat(Namespaces.builder().join(TIME, 4).build().requiresPrivateMemory()).isTrue();
    }

    @Test
    void aLaterSettingForATypeReplacesAnEarlierOneAndToBuilderRoundTrips() {
        Namespaces ns = Namespaces.builder().create(NETWORK).join(NETWORK, 3).build();
        assertThat(ns.mode(NETWORK)).isEqualTo(new NamespaceMode.Join(Path.of("/proc/3/ns/net")));
        assertThat(ns.toBuilder().build()).isEqualTo(ns);
        assertThat(ns.toString()).isEqualTo("Namespaces[network=join /proc/3/ns/net]");
    }

    @Test
    void aJoinByProcPathKnowsItsPidForAPidfdButABindMountDoesNot() {
        assertThat(new NamespaceMode.Join(Path.of("/proc/4711/ns/net")).pid()).hasValue(4711);
        assertThat(new NamespaceMode.Join(Path.of("/run/netns/blue")).pid()).isEmpty();
        assertThat(new NamespaceMode.Join(Path.of("/proc/self/ns/net")).pid()).isEmpty();
    }

    @Test
    void anUnprivilegedCallerMayCreateNamespacesOnlyWithANewUserNamespace() {
        Caller alice = Caller.unprivileged("alice", 1000, 1000);
        assertThatThrownBy(() -> Namespaces.builder().create(NETWORK, PID).build().checkPermitted(alice))
                .isInstanceOf(NamespaceConfigException.class)
                .hasMessageContaining("[network, pid]")
                .hasMessageContaining("CAP_SYS_ADMIN")
                .hasMessageContaining("IdMappings.rootless(1000, 1000)");
        Namespaces.builder().create(USER, NETWORK, PID).idMappings(ROOTLESS).build().checkPermitted(alice);
        Namespaces.builder().create(NETWORK).build().checkPermitted(new Caller("root", 0, 0, true, true, true));
        Namespaces.host().checkPermitted(alice);
    }
}
