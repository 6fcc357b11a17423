package dev.gatun.core.rootfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.core.spawn.ChildOutput;
import dev.gatun.core.spawn.Program;
import dev.gatun.core.spawn.SpawnOptions;
import dev.gatun.core.spawn.SpawnedProcess;
import dev.gatun.core.spawn.Spawner;
import dev.gatun.oci.InvalidSpecException;
import dev.gatun.oci.Linux;
import dev.gatun.oci.Mount;
import dev.gatun.oci.Root;
import dev.gatun.oci.Spec;
import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Known escapes through mount destinations and mount sources, each tried on the real kernel: the
 * runtime must refuse the spec (naming the JSON path) or make the mount where the container
 * expects it, and leave nothing on the host either way.
 */
@KernelTest
class RootfsEscapeKernelTest {

    static final long NAMESPACES = RootfsKernelTest.NAMESPACES;

    @TempDir
    Path bundle;

    Path hostDir;

    @BeforeAll
    static void warmUp() throws Exception {
        Spawner.get().spawn(Program.builder().build(), SpawnOptions.defaults()).waitFor();
    }

    @BeforeEach
    void rootfs() throws Exception {
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static is not installed");
        BusyboxRootfs.create(bundle.resolve("rootfs"));
        hostDir = Files.createDirectories(bundle.resolve("host-data"));
        Files.writeString(hostDir.resolve("hello"), "from the host\n");
    }

    String run(RootfsPlan plan, String script) throws Exception {
        try (ChildOutput out = new ChildOutput()) {
            Program.Builder b = out.redirect(Program.builder());
            plan.appendBeforePivot(b);
            plan.appendPivot(b);
            plan.appendAfterPivot(b);
            b.closeRangeCloexec(3).unblockSignals().execve("/bin/busybox", List.of("sh", "-c", script), RootfsKernelTest.ENV);
            SpawnedProcess p = Spawner.get().spawn(b.build(), SpawnOptions.defaults().namespaces(NAMESPACES));
            String text = out.readAll();
            assertThat(p.waitFor(Duration.ofSeconds(30))).as(text).hasValueSatisfying(s -> assertThat(s.code()).as(text).isZero());
            return text;
        }
    }

    Spec spec(List<Mount> extra, List<String> masked) {
        List<Mount> mounts = new ArrayList<>(List.of(
                new Mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev"), null, null)));
        mounts.addAll(extra);
        return Spec.builder().root(new Root("rootfs", false)).mounts(mounts)
                .linux(Linux.builder().maskedPaths(masked).build()).build();
    }

    /** Item 5: below the container's proc, /proc/self/root is the host's root until pivot_root. */
    @Test
    void aBindDestinationThroughProcSelfRootCreatesNothingOnTheHostAndIsRefused() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        Path planted = bundle.resolve("planted");
        Spec spec = spec(List.of(new Mount("/proc/self/root" + planted, hostDir.resolve("hello").toString(), "bind",
                List.of("bind"), null, null)), List.of());
        // before the fix: accepted, and the child created the file mount point on the host
        assertThatThrownBy(() -> RootfsPlan.prepare(spec, bundle, RootfsOptions.defaults()))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("$.mounts[1].destination: \"/proc/self/root" + planted + "\" is inside /proc");
        assertThat(planted).as("no file on the host").doesNotExist();
        assertThat(bundle.resolve("rootfs/proc")).isEmptyDirectory();
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    /**
     * Item 5 through a link: /myproc -> /proc in the rootfs. The parent resolved the destination
     * in the rootfs's (still empty) /proc directory, but the child's path string then walked the
     * proc it had mounted there, through /proc/self/root to the host's root: a tmpfs over a host
     * directory in the child's mount table, before pivot_root.
     */
    @Test
    void aDestinationThatASymlinkLeadsIntoProcIsRefused() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        Files.createSymbolicLink(bundle.resolve("rootfs/myproc"), Path.of("/proc"));
        Spec spec = spec(List.of(new Mount("/myproc/self/root" + hostDir, "tmpfs", "tmpfs", List.of(), null, null)),
                List.of());
        assertThatThrownBy(() -> RootfsPlan.prepare(spec, bundle, RootfsOptions.defaults()))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("$.mounts[1].destination: \"/myproc/self/root" + hostDir + "\": resolves to \"/proc/self/root");
        assertThat(bundle.resolve("rootfs/proc")).isEmptyDirectory();
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    /** Item 5, generalised: a proc file system mounted elsewhere is no way round the /proc rule. */
    @Test
    void aDestinationBelowAProcMountedElsewhereIsRefused() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        Path planted = bundle.resolve("planted2");
        Spec spec = spec(List.of(new Mount("/altproc", "proc", "proc", List.of(), null, null),
                new Mount("/altproc/self/root" + planted, "tmpfs", "tmpfs", List.of(), null, null)), List.of());
        assertThatThrownBy(() -> RootfsPlan.prepare(spec, bundle, RootfsOptions.defaults()))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("$.mounts[2].destination");
        assertThat(planted).doesNotExist();
        assertThat(bundle.resolve("rootfs/altproc")).doesNotExist();
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    /** CVE-2019-19921 / CVE-2023-27561: a rootfs whose /proc is a symlink gets no proc mounted through it. */
    @Test
    void cve2019_19921_aProcMountOnASymlinkIsRefused() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        Path rootProc = bundle.resolve("rootfs/proc");
        Files.delete(rootProc);
        Files.createDirectories(bundle.resolve("rootfs/fakeproc"));
        Files.createSymbolicLink(rootProc, Path.of("/fakeproc"));
        assertThatThrownBy(() -> RootfsPlan.prepare(spec(List.of(), List.of()), bundle, RootfsOptions.defaults()))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("$.mounts[0].destination: \"/proc\"")
                .hasMessageContaining("symlink");
        assertThat(bundle.resolve("rootfs/fakeproc")).isEmptyDirectory();
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    /**
     * CVE-2025-52881: a bind over a procfs file the runtime writes (/proc/sys/..., /proc/self/...)
     * would take those writes; only runc's lxcfs files may be bound under /proc, and /proc itself
     * must be a proc.
     */
    @Test
    void cve2025_52881_mountsOverProcfsFilesTheRuntimeWritesAreRefused() throws Exception {
        Files.writeString(hostDir.resolve("cpuinfo"), "processor : 0\n");
        Spec spec = Spec.builder().root(new Root("rootfs", false)).mounts(List.of(
                new Mount("/proc", "tmpfs", "tmpfs", List.of(), null, null),
                new Mount("/proc/sys/kernel", hostDir.toString(), "bind", List.of("rbind"), null, null),
                new Mount("/proc/self/oom_score_adj", hostDir.resolve("hello").toString(), "bind", List.of("bind"), null, null),
                new Mount("/proc/cpuinfo", hostDir.resolve("cpuinfo").toString(), "bind", List.of("bind", "ro"), null, null)))
                .build();
        assertThatThrownBy(() -> RootfsPlan.prepare(spec, bundle, RootfsOptions.defaults()))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("$.mounts[0].destination: \"/proc\"")
                .hasMessageContaining("$.mounts[1].destination: \"/proc/sys/kernel\"")
                .hasMessageContaining("$.mounts[2].destination: \"/proc/self/oom_score_adj\"")
                .hasMessageNotContaining("$.mounts[3]");
        assertThat(bundle.resolve("rootfs/proc")).isEmptyDirectory();

        // the lxcfs case still works: a file bound on /proc/cpuinfo
        RootfsPlan plan = RootfsPlan.prepare(spec(List.of(new Mount("/proc/cpuinfo", hostDir.resolve("cpuinfo").toString(),
                "bind", List.of("bind", "ro"), null, null)), List.of()), bundle, RootfsOptions.defaults());
        assertThat(run(plan, "cat /proc/cpuinfo")).isEqualTo("processor : 0\n");
        assertThat(plan.cleanup()).isEmpty();
    }

    /** CVE-2025-31133: the mask's /dev/null is the real 1:3 device, never what a symlink there names. */
    @Test
    void cve2025_31133_aMaskedPathGetsTheRealDevNullWhenTheRootfsDevNullIsASymlink() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        Path dev = Files.createDirectories(bundle.resolve("rootfs/dev"));
        Files.createSymbolicLink(dev.resolve("null"), Path.of("/proc/sys/kernel/hostname"));
        Spec spec = spec(List.of(new Mount("/dev", "rootfs/dev", "bind", List.of("rbind"), null, null)),
                List.of("/proc/timer_list"));
        RootfsPlan plan = RootfsPlan.prepare(spec, bundle, RootfsOptions.defaults());
        String text = run(plan, String.join("\n",
                "echo bytes=$(wc -c < /proc/timer_list)",
                "echo type=$(stat -L -c '%F:%t:%T' /proc/timer_list)"));
        Map<String, String> v = RootfsKernelTest.values(text);
        assertThat(v).as(text).containsEntry("bytes", "0").containsEntry("type", "character special file:1:3");
        assertThat(plan.cleanup()).isEmpty();
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    /** Symlinked destinations stay inside: a link to the host's /tmp is read inside the rootfs. */
    @Test
    void aSymlinkedBindDestinationLandsInsideTheRootfs() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        Path outside = bundle.resolve("outside-target");
        Files.createSymbolicLink(bundle.resolve("rootfs/link"), outside);
        Files.createDirectories(bundle.resolve("rootfs" + outside));
        RootfsPlan plan = RootfsPlan.prepare(spec(List.of(new Mount("/link/sub", hostDir.toString(), "bind",
                List.of("rbind"), null, null)), List.of()), bundle, RootfsOptions.defaults());
        String text = run(plan, "cat " + outside + "/sub/hello");
        assertThat(text).isEqualTo("from the host\n");
        assertThat(outside).doesNotExist();
        assertThat(plan.cleanup()).isEmpty();
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    /**
     * A rootfs that changes under the planner: {@code /swap} flips between a directory and a
     * symlink to a host directory while destinations below it are resolved. The fast lookup takes
     * no symlink and the walk reopens a name it found plain without following one, so every plan
     * either names the directory inside the rootfs or fails naming the destination; nothing is
     * ever made in the host directory the link names.
     */
    @Test
    void aNameThatFlipsBetweenDirectoryAndSymlinkWhilePlanningNeverLeadsOut() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        Path rootfs = bundle.resolve("rootfs").toRealPath();
        Path outside = Files.createDirectories(bundle.resolve("outside"));
        Path swap = rootfs.resolve("swap");
        Files.createDirectories(swap.resolve("sub"));
        Path link = Files.createSymbolicLink(rootfs.resolve("swap.link"), outside);
        Spec spec = spec(List.of(new Mount("/swap/sub/deeper", hostDir.toString(), "bind", List.of("rbind"), null, null)),
                List.of());
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong flips = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.CompletableFuture<Void> flipper = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                while (!stop.get()) {
                    // one rename: /swap is the directory or the link, never missing
                    dev.gatun.core.linux.LibC.renameExchange(swap.toString(), link.toString());
                    flips.incrementAndGet();
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, r -> Thread.ofPlatform().start(r));
        int planned = 0;
        int refused = 0;
        try {
            for (int i = 0; i < 300; i++) {
                try {
                    RootfsPlan plan = RootfsPlan.prepare(spec, bundle, RootfsOptions.defaults());
                    String steps = plan.program().render();
                    String bind = "mount(\"" + hostDir.toRealPath() + "\", \"";
                    int at = steps.indexOf(bind);
                    assertThat(at).as(steps).isNotNegative();
                    String target = steps.substring(at + bind.length(), steps.indexOf('"', at + bind.length()));
                    // the directory is named swap or swap.link as the flips go: the kernel's name of it, in the rootfs
                    assertThat(target).as("the mount point").isIn(rootfs + "/swap/sub/deeper", rootfs + "/swap.link/sub/deeper");
                    // a removal that met the link reports the path; it never goes through it
                    assertThat(plan.cleanup()).isSubsetOf(List.of(Path.of(target)));
                    planned++;
                } catch (InvalidSpecException e) {
                    assertThat(e.getMessage()).contains("$.mounts[1].destination: \"/swap/sub/deeper\"");
                    refused++;
                }
            }
        } finally {
            stop.set(true);
            flipper.join();
        }
        assertThat(planned + refused).isEqualTo(300);
        assertThat(flips.get()).as("the name flipped while the plans were made").isGreaterThan(300);
        assertThat(outside).as("nothing made through the link").isEmptyDirectory();
        if (Files.isSymbolicLink(swap)) {
            dev.gatun.core.linux.LibC.renameExchange(swap.toString(), link.toString());
        }
        Files.deleteIfExists(swap.resolve("sub/deeper")); // made by a plan whose cleanup met the link, and said so
        assertThat(swap.resolve("sub")).isEmptyDirectory();
        HostSnapshot.take().assertNoLeaksSince(before);
    }
}
