package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatun.testing.KernelTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Proves the kernel lane runs: what a root process on this host must see of its own namespaces
 * and cgroups, read from /proc.
 */
@KernelTest
class KernelLaneSmokeTest {

    @Test
    void everyNamespaceLinkNamesItsTypeAndAnInode() throws IOException {
        for (String type : List.of("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts")) {
            Path link = Path.of("/proc/self/ns", type);
            assertThat(Files.readSymbolicLink(link).toString()).matches(type + ":\\[\\d+\\]");
        }
    }

    @Test
    void rootInTheInitialUserNamespaceMapsTheWholeIdRange() throws IOException {
        // uid 0 in the initial user namespace is the only way to see the identity map of all 2^32 ids
        assertThat(Files.readString(Path.of("/proc/self/uid_map")).trim().split("\\s+"))
                .containsExactly("0", "0", "4294967295");
    }

    @Test
    void everyCgroupThisProcessIsInExistsUnderItsHierarchy() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/self/cgroup"));
        assertThat(lines).isNotEmpty();
        for (String line : lines) {
            // hierarchy-id:controllers:path
            String[] f = line.split(":", 3);
            assertThat(f).hasSize(3);
            assertThat(f[2]).startsWith("/");
        }
        // a cgroup2 hierarchy (pure or hybrid) always shows as the "0::" line
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("0::/"));
    }

    @Test
    void gatunReportsItselfSupportedHere() {
        assertThat(Gatun.unsupportedCause()).isEmpty();
        assertThat(Gatun.isSupported()).isTrue();
    }
}
