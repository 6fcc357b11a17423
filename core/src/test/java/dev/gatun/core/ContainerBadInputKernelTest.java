package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.cgroups.UnsupportedLimitException;
import dev.gatun.oci.InvalidSpecException;
import dev.gatun.oci.Mount;
import dev.gatun.oci.Spec;
import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input gives an error that names the field or path, and leaves nothing behind: no cgroup
 * directory in any hierarchy, no mount, no child process, no fd, no state directory.
 */
@KernelTest
@Tag("vm-lane") // also run in the cgroup v2 VM (.ci/vm-lane)
class ContainerBadInputKernelTest {

    @BeforeAll
    static void gatunIsWarm() throws Exception {
        Ran.warmUp(); // the JVM-long threads, fds and sentinel exist before any snapshot
    }

    @TempDir
    Path tmp;

    private Path rootfs;

    @BeforeEach
    void busybox() {
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static (apt-get install busybox-static)");
        rootfs = BusyboxRootfs.create(tmp.resolve("rootfs"));
    }

    /**
     * The fd checks compare the host before and after one container: the JVM's one-time machinery
     * (the reaper's epoll fd, the sentinel and its pipes) is started here, so that the first test
     * to run does not count it as a leak.
     */
    @BeforeAll
    static void startTheJvmsOneTimeMachinery() throws Exception {
        Ran.of(Container.builder().id(Leftovers.id("warmup")).command("true"));
    }

    @AfterAll
    static void nothingOfThisClassRemains() {
        assertThat(Leftovers.ofThisRun()).isEmpty();
    }

    @Test
    void aMissingRootfsIsNamed() throws Exception {
        Path missing = tmp.resolve("no-such-rootfs");
        String id = Leftovers.id("norootfs");
        Throwable t = failsCleanly(Container.builder().id(id).rootfs(missing).command("/bin/true").build());
        assertThat(t).hasMessageContaining("root").hasMessageContaining(missing.toString());
    }

    @Test
    void aRelativeMountDestinationIsRefusedByTheBuilderAndInAConfig() throws Exception {
        assertThatThrownBy(() -> Container.builder().bind(tmp, "data", true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("destination").hasMessageContaining("\"data\"");
        assertThatThrownBy(() -> Container.builder().tmpfs("scratch", "1m"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("destination");

        Spec good = Container.builder().rootfs(rootfs).command("/bin/true").toSpec();
        List<Mount> mounts = new ArrayList<>(good.mounts());
        mounts.add(new Mount("data", tmp.toString(), "bind", List.of("rbind", "ro"), null, null));
        String id = Leftovers.id("relmount");
        Throwable t = failsCleanly(Container.fromSpec(good.toBuilder().mounts(mounts).build(), tmp, id));
        assertThat(t).isInstanceOf(InvalidSpecException.class).hasMessageContaining("$.mounts[" + (mounts.size() - 1) + "]")
                .hasMessageContaining("destination");
    }

    @Test
    void aSymlinkInTheRootfsThatLeadsOutsideIsRefusedNamingTheMount() throws Exception {
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        // absolute: resolved inside the rootfs (RESOLVE_IN_ROOT), where that path does not exist;
        // relative with "..": climbs above the rootfs
        Files.createSymbolicLink(rootfs.resolve("evil"), outside);
        Files.createSymbolicLink(rootfs.resolve("up"), Path.of("../../../../../../../../" + outside));
        for (String link : List.of("evil", "up")) {
            String id = Leftovers.id("escape");
            Throwable t = failsCleanly(Container.builder().id(id).rootfs(rootfs).tmpfs("/" + link + "/mnt", "1m")
                    .command("/bin/true").build());
            assertThat(t).isInstanceOf(InvalidSpecException.class).hasMessageContaining("$.mounts[")
                    .hasMessageContaining("/" + link + "/mnt");
            assertThat(outside).isEmptyDirectory();
        }
        assertThat(Files.readSymbolicLink(rootfs.resolve("evil"))).isEqualTo(outside);
    }

    @Test
    void anUnknownUserIsNamedWithThePasswdFile() {
        assertThatThrownBy(() -> Container.builder().rootfs(rootfs).user("no-such-user").command("/bin/true").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no-such-user")
                .hasMessageContaining(rootfs.resolve("etc/passwd").toString());
        assertThatThrownBy(() -> Container.builder().user("no-such-user").command("/bin/true").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no-such-user");
    }

    @Test
    void aCommandTheRootfsDoesNotHaveIsNamed() throws Exception {
        String id = Leftovers.id("nocmd");
        Throwable t = failsCleanly(Container.builder().id(id).rootfs(rootfs).command("no-such-program", "arg").build());
        assertThat(t).hasMessageContaining("no-such-program");

        String abs = Leftovers.id("nocmdabs");
        Throwable t2 = failsCleanly(Container.builder().id(abs).command("/usr/bin/no-such-program").build());
        assertThat(t2).hasMessageContaining("/usr/bin/no-such-program");
    }

    @Test
    void aFileThatIsNotExecutableFailsAtTheLatestInStartAndIsCleanedUp() throws Exception {
        Files.writeString(rootfs.resolve("bin/script"), "not a program\n");
        String id = Leftovers.id("noexec");
        Throwable t = failsCleanly(Container.builder().id(id).rootfs(rootfs).command("/bin/script").build());
        assertThat(t).hasMessageContaining("/bin/script");
    }

    @Test
    void aLimitTheHostCannotEnforceIsNamedWithItsFile() throws Exception {
        // a v2 file no kernel has: refused on v2 (no such control file) and on v1 (unified keys are
        // v2 files), either way naming the limit
        String id = Leftovers.id("nolimit");
        Throwable t = failsCleanly(Container.builder().id(id).rootfs(rootfs)
                .resources(r -> r.pidsLimit(5).unified("memory.no_such_file", "10m")).command("/bin/true").build());
        assertThat(t).isInstanceOf(UnsupportedLimitException.class).hasMessageContaining("unified.memory.no_such_file");
    }

    /** Item 5: a destination through /proc/self/root was created on the host before pivot_root. */
    @Test
    void aMountDestinationThroughProcSelfRootIsRefusedAndCreatesNothingOnTheHost() throws Exception {
        Path planted = tmp.resolve("planted");
        String id = Leftovers.id("procroot");
        Throwable t = failsCleanly(Container.builder().id(id).rootfs(rootfs).tmpfs("/proc/self/root" + planted, "1m")
                .command("/bin/true").build());
        assertThat(t).isInstanceOf(InvalidSpecException.class).hasMessageContaining("$.mounts[")
                .hasMessageContaining("].destination: \"/proc/self/root" + planted + "\" is inside /proc");
        assertThat(planted).doesNotExist();
    }

    /** CVE-2019-19921 / CVE-2023-27561: a rootfs whose /proc is a symlink. */
    @Test
    void cve2019_19921_aRootfsWhoseProcIsASymlinkIsRefused() throws Exception {
        Files.delete(rootfs.resolve("proc"));
        Path elsewhere = Files.createDirectories(rootfs.resolve("elsewhere"));
        Files.createSymbolicLink(rootfs.resolve("proc"), Path.of("elsewhere"));
        String id = Leftovers.id("proclink");
        Throwable t = failsCleanly(Container.builder().id(id).rootfs(rootfs).command("/bin/true").build());
        assertThat(t).isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("$.mounts[0].destination: \"/proc\": goes through a symlink");
        assertThat(elsewhere).isEmptyDirectory();
    }

    /**
     * CVE-2025-52881: with no proc at /proc, the rootfs's own /proc/sys/... and /proc/self/...
     * took the runtime's sysctl and oom_score_adj writes (which then never reached the kernel);
     * they now go through the host's /proc, to the kernel, in the container's namespaces.
     */
    @Test
    void cve2025_52881_sysctlAndOomScoreWritesReachTheKernelNotTheRootfs() throws Exception {
        Path forward = Files.createDirectories(rootfs.resolve("proc/sys/net/ipv4")).resolve("ip_forward");
        Path oom = Files.createDirectories(rootfs.resolve("proc/self")).resolve("oom_score_adj");
        Files.writeString(forward, "decoy\n");
        Files.writeString(oom, "decoy\n");
        Spec spec = Container.builder().rootfs(rootfs).sysctl("net.ipv4.ip_forward", "1").oomScoreAdj(500)
                .command("/bin/true").toSpec();
        List<Mount> noProc = spec.mounts().stream().filter(m -> !"/proc".equals(m.destination())).toList();
        String id = Leftovers.id("procwrite");
        try (Container c = Container.fromSpec(spec.toBuilder().mounts(noProc).build(), tmp, id)) {
            ContainerProcess p = c.run();
            p.waitFor();
        }
        Leftovers.assertNoneOf(id);
        assertThat(forward).hasContent("decoy\n");
        assertThat(oom).hasContent("decoy\n");
    }

    /** Runs create (then start), expects a failure, and checks that nothing of the container remains. */
    private static Throwable failsCleanly(Container c) throws Exception {
        HostSnapshot before = HostSnapshot.take();
        Throwable thrown;
        try (c) {
            thrown = catchCreateAndStart(c);
            assertThat(c.status()).isIn(ContainerStatus.NEW, ContainerStatus.STOPPED);
        }
        assertThat(c.status()).isEqualTo(ContainerStatus.NEW);
        Leftovers.assertNoneOf(c.id());
        HostSnapshot.take().assertNoLeaksSince(before);
        return thrown;
    }

    private static Throwable catchCreateAndStart(Container c) {
        try {
            c.run();
        } catch (Exception e) {
            return e;
        }
        throw new AssertionError("container " + c.id() + " ran; it should have been refused");
    }
}
