package dev.gatun.namespaces;

import static dev.gatun.namespaces.NamespaceType.MOUNT;
import static dev.gatun.namespaces.NamespaceType.NETWORK;
import static dev.gatun.namespaces.NamespaceType.PID;
import static dev.gatun.namespaces.NamespaceType.UTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.KernelTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@KernelTest
@Timeout(30)
class InspectionKernelTest {

    private HostSnapshot before;

    @BeforeEach
    void snapshot() {
        before = HostSnapshot.take();
    }

    @AfterEach
    void nothingLeftBehind() {
        Leaks.assertNoneSince(before);
    }

    @Test
    void aChildInNewUtsAndNetworkNamespacesDiffersFromUsExactlyInThose() throws Exception {
        try (Unshared child = Unshared.start("--uts", "--net")) {
            NamespaceSet self = NamespaceSet.self();
            NamespaceSet other = NamespaceSet.of(child.pid());
            assertThat(other.differentFrom(self)).containsExactlyInAnyOrder(UTS, NETWORK);
            assertThat(other.sharedWith(self)).doesNotContain(UTS, NETWORK).contains(PID, MOUNT);
            assertThat(other.get(NETWORK).orElseThrow().toString())
                    .isEqualTo(Files.readSymbolicLink(Path.of("/proc", Long.toString(child.pid()), "ns", "net")).toString());
        }
    }

    @Test
    void theInitOfANewPidNamespaceIsPid1InsideAndItsHostPidOutside() throws Exception {
        try (Unshared child = Unshared.start("--pid", "--fork", "--mount-proc")) {
            NestedPids pids = NestedPids.of(child.pid());
            assertThat(pids.pids()).containsExactly(child.pid(), 1L);
            assertThat(NamespaceSet.of(child.pid()).differentFrom(NamespaceSet.self())).containsExactlyInAnyOrder(PID, MOUNT);
        }
    }

    @Test
    void theMembersOfANewNetworkNamespaceAreTheProcessesThatEnteredIt() throws Exception {
        try (Unshared child = Unshared.start("--net", "--fork")) {
            NamespaceId netns = NamespaceId.of(NETWORK, child.pid());
            // unshare(1) unshares itself, then forks the sleep: both are in the namespace
            assertThat(netns.members()).containsExactlyInAnyOrder(child.launcherPid(), child.pid());
            assertThat(NamespaceId.of(NETWORK, ProcessHandle.current().pid()).members())
                    .contains(ProcessHandle.current().pid())
                    .doesNotContain(child.pid(), child.launcherPid());
        }
    }

    @Test
    void aProcessThatDoesNotExistIsReportedAsNoSuchFile() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> NamespaceSet.of(Long.MAX_VALUE / 2))
                .isInstanceOf(java.nio.file.NoSuchFileException.class);
    }
}
