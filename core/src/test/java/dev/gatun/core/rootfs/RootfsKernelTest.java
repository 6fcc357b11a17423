package dev.gatun.core.rootfs;

import dev.gatun.core.spawn.ChildOutput;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.core.spawn.Program;
import dev.gatun.core.spawn.SpawnOptions;
import dev.gatun.core.spawn.SpawnedProcess;
import dev.gatun.core.spawn.Spawner;
import dev.gatun.core.spawn.StepFailedException;
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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real containers whose root filesystem the planner built, observed from inside and from the host. */
@KernelTest
class RootfsKernelTest {

    static final long NEWNS = 0x20000L, NEWUTS = 0x04000000L, NEWIPC = 0x08000000L, NEWUSER = 0x10000000L,
            NEWPID = 0x20000000L, NEWNET = 0x40000000L;
    static final long NAMESPACES = NEWNS | NEWPID | NEWNET | NEWIPC | NEWUTS;
    static final List<String> ENV = List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin");

    @TempDir
    Path bundle;

    Path hostDir;

    @BeforeAll
    static void warmUp() throws Exception {
        // the spawner's reaper (an epoll fd) starts with the first spawn: not a leak of ours
        Spawner.get().spawn(Program.builder().build(), SpawnOptions.defaults()).waitFor();
    }

    @Test
    void lockedFlagsAreTheHostMountTablesOptions() throws Exception {
        List<String> mountinfo = Files.readAllLines(Path.of("/proc/self/mountinfo"));
        for (String path : List.of("/", "/proc", "/sys", "/dev", bundle.toString())) {
            // the mount that holds the path: the longest mount point that is a prefix, the last one on ties
            String options = null;
            int best = -1;
            for (String line : mountinfo) {
                String[] f = line.split(" ");
                Path point = Path.of(f[4].replace("\\040", " "));
                if (Path.of(path).startsWith(point) && point.getNameCount() >= best) {
                    best = point.getNameCount();
                    options = f[5];
                }
            }
            List<String> opts = Arrays.asList(options.split(","));
            long expected = (opts.contains("nosuid") ? dev.gatun.oci.MountOptions.MS_NOSUID : 0)
                    | (opts.contains("nodev") ? dev.gatun.oci.MountOptions.MS_NODEV : 0)
                    | (opts.contains("noexec") ? dev.gatun.oci.MountOptions.MS_NOEXEC : 0)
                    | (opts.contains("noatime") ? dev.gatun.oci.MountOptions.MS_NOATIME : 0)
                    | (opts.contains("nodiratime") ? dev.gatun.oci.MountOptions.MS_NODIRATIME : 0)
                    | (opts.contains("relatime") ? dev.gatun.oci.MountOptions.MS_RELATIME : 0);
            assertThat(MountTable.lockedFlags(Path.of(path))).as("%s (%s)", path, options).isEqualTo(expected);
        }
    }

    @BeforeEach
    void rootfs() throws Exception {
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static is not installed");
        BusyboxRootfs.create(bundle.resolve("rootfs"));
        hostDir = Files.createDirectories(bundle.resolve("host-data"));
        Files.writeString(hostDir.resolve("hello"), "from the host\n");
    }

    /** Runs {@code script} in a container with the plan's rootfs; returns what it printed, failing on a non-zero exit. */
    String run(RootfsPlan plan, long namespaces, String script) throws Exception {
        try (ChildOutput out = new ChildOutput()) {
            Program.Builder b = out.redirect(Program.builder());
            plan.appendBeforePivot(b);
            plan.appendPivot(b);
            plan.appendAfterPivot(b);
            b.closeRangeCloexec(3).unblockSignals().execve("/bin/busybox", List.of("sh", "-c", script), ENV);
            SpawnedProcess p = Spawner.get().spawn(b.build(), SpawnOptions.defaults().namespaces(namespaces));
            String text = out.readAll();
            assertThat(p.waitFor(Duration.ofSeconds(30))).as(text).hasValueSatisfying(s -> assertThat(s.code()).as(text).isZero());
            return text;
        }
    }

    static Map<String, String> values(String text) {
        return text.lines().filter(l -> l.contains("=")).collect(Collectors.toMap(
                l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1), (a, b) -> b));
    }

    Spec spec(boolean readonlyRoot, List<Mount> extra) {
        List<Mount> mounts = new ArrayList<>(List.of(
                new Mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev"), null, null),
                new Mount("/data", hostDir.toString(), "bind", List.of("rbind", "ro"), null, null),
                new Mount("/run", "tmpfs", "tmpfs", List.of("nosuid", "nodev", "mode=755"), null, null)));
        mounts.addAll(extra);
        return Spec.builder().root(new Root("rootfs", readonlyRoot)).mounts(mounts)
                .linux(Linux.builder()
                        .maskedPaths(List.of("/proc/acpi", "/proc/timer_list", "/proc/kcore", "/sys/firmware"))
                        .readonlyPaths(List.of("/proc/sys", "/proc/does-not-exist"))
                        .build())
                .build();
    }

    @Test
    void theContainerSeesItsOwnRootProcDevAndMountsAndTheHostKeepsNothing() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        RootfsPlan plan = RootfsPlan.prepare(spec(true, List.of()), bundle, RootfsOptions.defaults());
        String text = run(plan, NAMESPACES, String.join("\n",
                "echo pid=$$",
                "echo busybox=$(test -x /bin/busybox && echo yes)",
                "echo bundle=$(ls " + bundle + " 2>&1 >/dev/null | wc -l)$(test -e " + bundle + " && echo present)",
                "echo mounts=$(cut -d' ' -f5 /proc/self/mountinfo | tr '\\n' ' ')",
                "echo devices=$(for f in null zero full random urandom tty; do stat -c '%n:%t:%T:%a:%f' /dev/$f; done | tr '\\n' ' ')",
                "echo devlist=$(ls /dev | tr '\\n' ' ')",
                "echo links=$(for l in fd stdin stdout stderr ptmx; do readlink /dev/$l; done | tr '\\n' ' ')",
                "echo data=$(cat /data/hello)",
                "echo datawrite=$(touch /data/new 2>&1 | grep -c 'Read-only')",
                "echo rootwrite=$(touch /newfile 2>&1 | grep -c 'Read-only')",
                "echo runwrite=$(echo x > /run/x && cat /run/x)",
                "echo timer_list=$(wc -c < /proc/timer_list)",
                "echo acpi=$(ls -A /proc/acpi | wc -l)",
                "echo procsys=$(echo 1 2>&1 > /proc/sys/vm/drop_caches | grep -c 'Read-only')",
                "echo null=$(echo gone > /dev/null && echo ok)",
                "echo zero=$(head -c 4 /dev/zero | od -An -tx1 | tr -d ' ')"));
        Map<String, String> v = values(text);
        assertThat(v).as(text).containsEntry("pid", "1").containsEntry("busybox", "yes")
                .containsEntry("data", "from the host").containsEntry("datawrite", "1")
                .containsEntry("rootwrite", "1").containsEntry("runwrite", "x").containsEntry("timer_list", "0")
                .containsEntry("acpi", "0").containsEntry("procsys", "1").containsEntry("null", "ok")
                .containsEntry("zero", "00000000");
        assertThat(v.get("bundle")).as("the old root is gone: the bundle path does not exist inside").isEqualTo("1");
        assertThat(v.get("mounts").split(" ")).as(text)
                .startsWith("/").contains("/proc", "/dev", "/dev/pts", "/dev/shm", "/data", "/run", "/proc/timer_list",
                        "/proc/acpi", "/proc/sys")
                .noneMatch(m -> m.startsWith(bundle.toString()));
        assertThat(v.get("devices").split(" ")).containsExactly(
                "/dev/null:1:3:666:21b6", "/dev/zero:1:5:666:21b6",
                "/dev/full:1:7:666:21b6", "/dev/random:1:8:666:21b6",
                "/dev/urandom:1:9:666:21b6", "/dev/tty:5:0:666:21b6");
        assertThat(v.get("devlist").split(" ")).containsExactlyInAnyOrder(
                "fd", "full", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout", "tty", "urandom", "zero");
        assertThat(v.get("links")).isEqualTo("/proc/self/fd /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2 pts/ptmx");
        assertThat(plan.cleanup()).isEmpty();
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void theRuncDefaultSpecRunsWithItsOwnDevSysAndCgroupMounts() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        RootfsPlan plan = RootfsPlan.prepare(dev.gatun.oci.OciSpecs.example(), bundle, RootfsOptions.defaults());
        String text = run(plan, NAMESPACES, String.join("\n",
                "echo mounts=$(awk '{for (i = 7; i <= NF; i++) if ($i == \"-\") print $5\":\"$(i+1)}' /proc/self/mountinfo | tr '\\n' ' ')",
                "echo devlist=$(ls /dev | tr '\\n' ' ')",
                "echo sysro=$(touch /sys/x 2>&1 | grep -c 'Read-only')",
                "echo cgroupro=$(mkdir /sys/fs/cgroup/x 2>&1 | grep -c 'Read-only')",
                "echo ptmx=$(test -c /dev/pts/ptmx && echo yes)"));
        Map<String, String> v = values(text);
        assertThat(v.get("mounts").split(" ")).as(text).contains("/proc:proc", "/dev:tmpfs",
                "/dev/pts:devpts", "/dev/shm:tmpfs", "/dev/mqueue:mqueue", "/sys:sysfs");
        assertThat(Arrays.stream(v.get("mounts").split(" ")).filter(m -> m.startsWith("/dev:"))).hasSize(1);
        assertThat(v.get("devlist").split(" ")).contains("null", "zero", "full", "random", "urandom", "tty", "pts", "shm",
                "mqueue", "ptmx", "fd");
        assertThat(v).containsEntry("sysro", "1").containsEntry("cgroupro", "1").containsEntry("ptmx", "yes");
        assertThat(plan.cleanup()).isEmpty();
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void aSymlinkEscapeNeverTouchesTheHost() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        Path outside = bundle.resolve("outside");
        Files.createSymbolicLink(bundle.resolve("rootfs/escape"), Path.of("../../../../../../../.." + outside));
        Spec direct = spec(false, List.of(new Mount("/escape/sub", "tmpfs", "tmpfs", List.of(), null, null)));
        assertThatThrownBy(() -> RootfsPlan.prepare(direct, bundle, RootfsOptions.defaults()))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("$.mounts[3].destination: \"/escape/sub\": /escape is a symlink to ../../")
                .hasMessageContaining("which points outside the rootfs");
        assertThat(outside).doesNotExist();
        assertThat(bundle.resolve("rootfs/run")).isEmptyDirectory();

        // the same climb behind an absolute link is clamped: the mount lands inside the rootfs
        Files.createDirectories(outside);
        Files.createSymbolicLink(bundle.resolve("rootfs/abs"), Path.of("/escape"));
        Files.createDirectories(bundle.resolve("rootfs" + outside));
        Spec viaLink = spec(false, List.of(new Mount("/abs/sub", "tmpfs", "tmpfs", List.of(), null, null)));
        RootfsPlan plan = RootfsPlan.prepare(viaLink, bundle, RootfsOptions.defaults());
        String text = run(plan, NAMESPACES, "grep -c ' " + outside + "/sub ' /proc/self/mountinfo; true");
        assertThat(text.strip()).as("the tmpfs is at the container's own " + outside + "/sub").isEqualTo("1");
        assertThat(outside.resolve("sub")).as("nothing created on the host").doesNotExist();
        assertThat(bundle.resolve("rootfs" + outside + "/sub")).isDirectory();
        assertThat(plan.cleanup()).isEmpty();
        assertThat(bundle.resolve("rootfs" + outside + "/sub")).doesNotExist();
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void aMountTheKernelRefusesFailsTheSpawnWithTheStepAndLeavesNothing() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        RootfsPlan plan = RootfsPlan.prepare(spec(false, List.of(
                new Mount("/bad", "none", "no-such-fs", List.of(), null, null))), bundle, RootfsOptions.defaults());
        assertThatThrownBy(() -> run(plan, NAMESPACES, "true"))
                .isInstanceOf(StepFailedException.class)
                .hasMessageContaining("mount(\"none\", \"" + plan.rootfs() + "/bad\", \"no-such-fs\", 0, NULL): No such device (ENODEV)");
        assertThat(plan.cleanup()).isEmpty();
        assertThat(bundle.resolve("rootfs/bad")).doesNotExist();
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void inAUserNamespaceDevicesAreBoundFromTheHostAndProcIsMountedBeforePivot() throws Exception {
        Kernel.require(Files.exists(Path.of("/proc/self/ns/user")), "no user namespaces");
        HostSnapshot before = HostSnapshot.take();
        RootfsPlan plan = RootfsPlan.prepare(spec(true, List.of()), bundle,
                RootfsOptions.defaults().newUserNamespace(true).ttyGroupMapped(false));
        try (ChildOutput out = new ChildOutput()) {
            Program.Builder b = out.redirect(Program.builder()).awaitParent();
            plan.appendBeforePivot(b);
            plan.appendPivot(b);
            plan.appendAfterPivot(b);
            b.closeRangeCloexec(3).unblockSignals().execve("/bin/busybox", List.of("sh", "-c", String.join("\n",
                    "echo uid=$(id -u) pid=$$",
                    "echo devices=$(for f in null zero full random urandom tty; do stat -c '%t:%T' /dev/$f; done | tr '\\n' ' ')",
                    "echo null=$(echo x > /dev/null && echo ok)",
                    "echo rootwrite=$(touch /newfile 2>&1 | grep -c 'Read-only')",
                    "echo datawrite=$(touch /data/new 2>&1 | grep -c 'Read-only')",
                    "echo timer_list=$(wc -c < /proc/timer_list)")), ENV);
            try (var h = Spawner.get().start(b.build(), SpawnOptions.defaults().namespaces(NAMESPACES | NEWUSER))) {
                long pid = h.process().pid();
                Files.writeString(Path.of("/proc/" + pid + "/uid_map"), "0 0 65536");
                Files.writeString(Path.of("/proc/" + pid + "/gid_map"), "0 0 65536");
                h.release();
                SpawnedProcess p = h.awaitExec();
                String text = out.readAll();
                assertThat(p.waitFor().code()).as(text).isZero();
                Map<String, String> v = values(text);
                assertThat(v).as(text).containsEntry("uid", "0 pid=1").containsEntry("null", "ok")
                        .containsEntry("rootwrite", "1").containsEntry("datawrite", "1").containsEntry("timer_list", "0")
                        .containsEntry("devices", "1:3 1:5 1:7 1:8 1:9 5:0");
            }
        }
        assertThat(plan.cleanup()).isEmpty();
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void theChrootFallbackAlsoGivesTheContainerItsRoot() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        RootfsPlan plan = RootfsPlan.prepare(spec(false, List.of()), bundle, RootfsOptions.defaults().pivot(false));
        Map<String, String> v = values(run(plan, NAMESPACES, String.join("\n",
                "echo pid=$$ busybox=$(test -x /bin/busybox && echo yes) data=$(cat /data/hello)",
                "echo root=$(awk '$5 == \"/\" {print $4}' /proc/self/mountinfo | tr '\\n' ' ')")));
        assertThat(v).containsEntry("pid", "1 busybox=yes data=from the host");
        assertThat(v.get("root")).as("the rootfs was moved onto /").isEqualTo(bundle.resolve("rootfs").toRealPath().toString());
        assertThat(plan.cleanup()).isEmpty();
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void anOverlayMountWritesToItsUpperDirAndRootfsPropagationApplies() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        Path upper = Files.createDirectories(bundle.resolve("upper"));
        Path work = Files.createDirectories(bundle.resolve("work"));
        Spec spec = Spec.builder().root(new Root("rootfs", false))
                .mounts(List.of(new Mount("/proc", "proc", "proc", List.of(), null, null),
                        new Mount("/merged", "overlay", "overlay",
                                List.of("lowerdir=" + hostDir, "upperdir=" + upper, "workdir=" + work), null, null)))
                .linux(Linux.builder().rootfsPropagation("rshared").build())
                .build();
        RootfsPlan plan = RootfsPlan.prepare(spec, bundle, RootfsOptions.defaults());
        Map<String, String> v = values(run(plan, NAMESPACES, String.join("\n",
                "echo lower=$(cat /merged/hello)",
                "echo written=$(echo new > /merged/new && echo yes)",
                "echo rootshared=$(awk '$5 == \"/\"' /proc/self/mountinfo | grep -c 'shared:')")));
        assertThat(v).containsEntry("lower", "from the host").containsEntry("written", "yes")
                .containsEntry("rootshared", "1");
        assertThat(upper.resolve("new")).hasContent("new");
        assertThat(hostDir.resolve("new")).doesNotExist();
        assertThat(plan.cleanup()).isEmpty();
        HostSnapshot.take().assertNoLeaksSince(before);
    }

    @Test
    void specDevicesAreMadeWithTheirNumbersModeAndOwnerAndAFileBindGetsAFileMountPoint() throws Exception {
        HostSnapshot before = HostSnapshot.take();
        Files.writeString(bundle.resolve("resolv.conf"), "nameserver 192.0.2.1\n");
        Spec spec = Spec.builder().root(new Root("rootfs", false))
                .mounts(List.of(new Mount("/etc/resolv.conf", "resolv.conf", "bind", List.of("ro"), null, null)))
                .linux(Linux.builder().devices(List.of(
                        new Linux.Device("c", "/dev/net/tun", 10L, 200L, 0600L, 1000L, 1001L),
                        new Linux.Device("c", "/dev/null", 1L, 3L, 0640L, null, null))).build())
                .build();
        RootfsPlan plan = RootfsPlan.prepare(spec, bundle, RootfsOptions.defaults());
        Map<String, String> v = values(run(plan, NAMESPACES, String.join("\n",
                "echo tun=$(stat -c '%t:%T:%a:%u:%g' /dev/net/tun)",
                "echo null=$(stat -c '%t:%T:%a' /dev/null)",
                "echo resolv=$(cat /etc/resolv.conf)",
                "echo resolvro=$(echo x 2>&1 > /etc/resolv.conf | grep -c 'Read-only')")));
        assertThat(v).containsEntry("tun", "a:c8:600:1000:1001").containsEntry("null", "1:3:640")
                .containsEntry("resolv", "nameserver 192.0.2.1").containsEntry("resolvro", "1");
        assertThat(bundle.resolve("rootfs/etc/resolv.conf")).as("the parent made the mount point").isEmptyFile();
        assertThat(plan.cleanup()).isEmpty();
        assertThat(bundle.resolve("rootfs/etc/resolv.conf")).doesNotExist();
        HostSnapshot.take().assertNoLeaksSince(before);
    }
}
