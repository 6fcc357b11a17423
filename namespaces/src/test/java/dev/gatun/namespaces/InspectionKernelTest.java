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
import org.junit.jupiter.api.io.TempDir;

@KernelTest
@Timeout(30)
class InspectionKernelTest {

    // a field, so that it exists before the snapshot: the JDK opens /dev/urandom for its name once
    @TempDir
    Path dir;

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
    void aBindMountedNamespaceFileHasTheIdentityOfTheNamespaceItKeepsAlive() throws Exception {
        Path file = Files.createFile(dir.resolve("net"));
        // unshare(1) bind-mounts /proc/<its pid>/ns/net onto the file and exits: the file keeps the namespace
        assertThat(runQuietly("unshare", "--net=" + file, "true")).isZero();
        try {
            NamespaceId persistent = NamespaceId.of(NETWORK, file);
            assertThat(persistent).isNotEqualTo(NamespaceSet.self().get(NETWORK).orElseThrow());
            assertThat(persistent.members()).isEmpty();
            try (Unshared joined = Unshared.startWith("nsenter", "--net=" + file)) {
                assertThat(NamespaceSet.of(joined.pid()).get(NETWORK)).hasValue(persistent);
                assertThat(persistent.members()).containsExactly(joined.pid());
            }
        } finally {
            assertThat(runQuietly("umount", file.toString())).isZero();
        }
    }

    private static int runQuietly(String... command) throws Exception {
        java.io.File devNull = new java.io.File("/dev/null");
        Process p = new ProcessBuilder(command).redirectInput(devNull).redirectOutput(devNull).redirectError(devNull).start();
        if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor();
            return -1;
        }
        return p.exitValue();
    }

    @Test
    void aProcessThatDoesNotExistIsReportedAsNoSuchFile() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> NamespaceSet.of(Long.MAX_VALUE / 2))
                .isInstanceOf(java.nio.file.NoSuchFileException.class);
    }
}
