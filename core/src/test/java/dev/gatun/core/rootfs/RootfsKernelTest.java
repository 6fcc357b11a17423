package dev.gatun.core.rootfs;

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
}
