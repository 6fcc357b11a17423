package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.core.linux.Arch;
import dev.gatun.core.linux.SyscallTable;
import dev.gatun.oci.InvalidSpecException;
import dev.gatun.oci.Mount;
import dev.gatun.oci.OciSpecs;
import dev.gatun.oci.Root;
import dev.gatun.oci.Spec;
import dev.gatun.testing.BusyboxRootfs;
import dev.gatun.testing.HostSnapshot;
import dev.gatun.testing.Kernel;
import dev.gatun.testing.KernelTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The escape suite: one test per technique an attacker inside a container would try, each
 * asserting the exact refusal. Each runs against the builder's default container and, where the
 * technique does not depend on the config's choices, against the container of a {@code runc
 * spec} bundle through {@link Container#fromBundle} (which applies exactly what config.json says:
 * that config has no seccomp filter, so techniques only seccomp stops are the default
 * container's). docs/security.md maps every technique to what blocks it and to its test here.
 *
 * <p>Raw system calls come from perl's {@code syscall}, which prints the errno (0 when the call
 * succeeded); the numbers are this architecture's, from Gatun's own syscall table.
 */
@KernelTest
@Tag("vm-lane") // also run in the cgroup v2 VM (.ci/vm-lane): most users' hosts are pure v2
class ContainerEscapeKernelTest {

    @BeforeAll
    static void gatunIsWarm() throws Exception {
        Ran.warmUp(); // the JVM-long threads, fds and sentinel exist before any snapshot
    }

    private static final SyscallTable CALLS = SyscallTable.of(Arch.current());
    private static final int EPERM = 1;
    private static final int ESRCH = 3;

    /** Where a technique is tried. */
    enum Target {
        /** {@code Container.builder()} on its defaults. */
        DEFAULT,
        /** {@code runc spec}'s config.json, a busybox rootfs with the host's /usr bound read-only. */
        BUNDLE
    }

    @TempDir
    static Path tmp;

    private static Path bundleRootfs;

    @BeforeAll
    static void bundle() throws IOException {
        Kernel.require(BusyboxRootfs.binary().isPresent(), "busybox-static (apt-get install busybox-static)");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        bundleRootfs = BusyboxRootfs.create(tmp.resolve("rootfs"));
        // perl, the raw-syscall probe, with its libraries: the host's /usr, and /lib, /lib64 as the host has them
        for (String lib : List.of("lib", "lib64")) {
            Path host = Path.of("/" + lib);
            if (Files.isSymbolicLink(host)) {
                Files.createSymbolicLink(bundleRootfs.resolve(lib), Files.readSymbolicLink(host));
            } else if (Files.isDirectory(host)) {
                Files.createDirectory(bundleRootfs.resolve(lib));
            }
        }
    }

    @AfterAll
    static void nothingOfThisClassRemains() {
        assertThat(Leftovers.ofThisRun()).isEmpty();
    }

    // ---- the probes ---------------------------------------------------------------------------

    /** Runs {@code script} with /bin/sh in {@code target}; stderr merged into stdout. */
    private static Ran run(Target target, String script) throws Exception {
        return switch (target) {
            case DEFAULT -> Ran.of(Container.builder().id(Leftovers.id("escape")).command("/bin/sh", "-c", script));
            case BUNDLE -> {
                String id = Leftovers.id("escbundle");
                try (Container c = Container.fromBundle(writeBundle(id, script, Map.of()), id)) {
                    yield Ran.of(c);
                } finally {
                    Leftovers.assertNoneOf(id);
                }
            }
        };
    }

    /** A bundle directory holding runc spec's config.json (with {@code sysctl}) running {@code script}. */
    private static Path writeBundle(String id, String script, Map<String, String> sysctl) throws IOException {
        Path bundle = Files.createDirectories(tmp.resolve("bundles").resolve(id));
        Spec example = OciSpecs.example();
        List<Mount> mounts = new ArrayList<>(example.mounts());
        mounts.add(new Mount("/usr", "/usr", "bind", List.of("rbind", "ro", "nosuid", "nodev"), null, null));
        for (String lib : List.of("/lib", "/lib64")) {
            if (Files.isDirectory(Path.of(lib)) && !Files.isSymbolicLink(Path.of(lib))) {
                mounts.add(new Mount(lib, lib, "bind", List.of("rbind", "ro", "nosuid", "nodev"), null, null));
            }
        }
        Spec spec = example.toBuilder()
                .root(new Root(bundleRootfs.toString(), true))
                .mounts(mounts)
                .process(example.process().toBuilder().terminal(false).args(List.of("/bin/sh", "-c", script)).build())
                .linux(example.linux().toBuilder().sysctl(sysctl.isEmpty() ? null : sysctl).build())
                .build();
        OciSpecs.writeConfig(spec, bundle.resolve("config.json"));
        return bundle;
    }

    /** The errno of {@code syscall(name, args)} in {@code target}, 0 when it succeeded. */
    private static int errno(Target target, String name, Object... args) throws Exception {
        Ran r = run(target, perl(name, args));
        assertThat(r.out().strip()).as("%s in %s: %s", name, target, r).matches("\\d+");
        return Integer.parseInt(r.out().strip());
    }

    /** A perl one-liner that makes the call and prints its errno (0 on success). */
    private static String perl(String name, Object... args) {
        String list = Stream.of(args).map(a -> a instanceof String s ? "\"" + s + "\"" : a.toString())
                .collect(Collectors.joining(", "));
        // copied into an array: perl passes a string as a pointer, and refuses a literal (read-only) one
        return "perl -e 'my @a = (" + list + "); my $r = syscall(" + CALLS.number(name) + ", @a); "
                + "print $r == -1 ? $!+0 : 0, qq{\\n}'";
    }

    /** A shell line that prints {@code yes} when {@code command} succeeds and {@code refused} when not. */
    private static String attempt(String command) {
        return "if (" + command + ") 2>/dev/null; then echo yes; else echo refused; fi";
    }

    // ---- new namespaces, mounts and keyrings: CAP_SYS_ADMIN and seccomp --------------------

    @Test
    void nestedUserNamespace_unshareCloneNewuserIsRefused() throws Exception {
        // without it, the process holds every capability in the new namespace: it mounted tmpfs and
        // cgroup2 and opened netfilter sockets from a default container (Docker refuses it in seccomp)
        assertThat(errno(Target.DEFAULT, "unshare", 0x10000000)).isEqualTo(EPERM);
        assertThat(run(Target.DEFAULT, attempt("unshare -Ur true")).out()).contains("refused");
        // podman's profile lets it through: the test tells the two apart
        Ran common = Ran.of(Container.builder().id(Leftovers.id("ccommon")).seccomp(SeccompProfile.CONTAINERS_COMMON)
                .command("/bin/sh", "-c", attempt("unshare -Ur true")));
        assertThat(common.out()).as("%s", common).contains("yes");
    }

    @Test
    void nestedUserNamespace_cloneWithNamespaceFlagsIsRefusedButForkIsNot() throws Exception {
        // clone(CLONE_NEWUSER|SIGCHLD) refused; a plain fork (SIGCHLD) allowed, its child exits at once
        assertThat(errno(Target.DEFAULT, "clone", 0x10000000 | 17, 0, 0, 0, 0)).isEqualTo(EPERM);
        assertThat(run(Target.DEFAULT, "echo $( (echo forked) )").out().strip()).isEqualTo("forked");
    }

    @Test
    void setnsIntoAnotherNamespaceIsRefused() throws Exception {
        assertThat(errno(Target.DEFAULT, "setns", 0, 0)).isEqualTo(EPERM);
    }

    @Test
    void keyringsAreRefused() throws Exception {
        assertThat(errno(Target.DEFAULT, "keyctl", 0, 0, 0, 0, 0)).isEqualTo(EPERM);
        assertThat(errno(Target.DEFAULT, "add_key", "user", "x", "y", 1, -2)).isEqualTo(EPERM);
        assertThat(errno(Target.DEFAULT, "request_key", "user", "x", 0, 0)).isEqualTo(EPERM);
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void mountOfATmpfsIsRefused(Target target) throws Exception {
        assertThat(errno(target, "mount", "x", "/tmp", "tmpfs", 0, 0)).isEqualTo(EPERM);
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void umountOfProcToUncoverWhatItHidesIsRefused(Target target) throws Exception {
        assertThat(errno(target, "umount2", "/proc/keys", 2 /* MNT_DETACH */)).isEqualTo(EPERM);
        assertThat(errno(target, "umount2", "/proc", 2)).isEqualTo(EPERM);
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void pivotRootIsRefused(Target target) throws Exception {
        assertThat(errno(target, "pivot_root", "/tmp", "/tmp")).isEqualTo(EPERM);
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void newMountApi_openTreeAndFsopenAreRefused(Target target) throws Exception {
        assertThat(errno(target, "open_tree", -100, "/", 1 /* OPEN_TREE_CLONE */)).isEqualTo(EPERM);
        assertThat(errno(target, "fsopen", "tmpfs", 0)).isEqualTo(EPERM);
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void cve2022_0492_aV1CgroupMountForItsReleaseAgentIsRefused(Target target) throws Exception {
        // the release_agent escape needs a cgroup v1 mount the container may write; it gets none
        assertThat(errno(target, "mount", "cgroup", "/tmp", "cgroup", 0, "rdma")).isEqualTo(EPERM);
        assertThat(run(target, attempt("mount -t cgroup -o memory cgroup /tmp")).out()).contains("refused");
    }

    @Test
    void theContainerIsInALeafOfItsOwnInEveryHierarchyTheUnifiedOneIncluded() throws Exception {
        // on a hybrid host a process placed only in the v1 hierarchies stays in the JVM's unified
        // cgroup (often the root): a cgroup namespace made there would have the host's unified root
        // as its own, open to a cgroup2 mount from any nested user namespace
        String id = Leftovers.id("leaf");
        try (Container c = Container.builder().id(id).stopTimeout(java.time.Duration.ofMillis(200))
                .command("/bin/sh", "-c", "cat /proc/self/cgroup; exec sleep 30").build()) {
            ContainerProcess p = c.run();
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
            List<String> inside = new ArrayList<>();
            for (String l; inside.size() < Files.readAllLines(Path.of("/proc/self/cgroup")).size() && (l = Ran.readLine(out)) != null; ) {
                inside.add(l);
            }
            List<String> host = Files.readAllLines(Path.of("/proc/" + p.pid() + "/cgroup"));
            // every hierarchy the host mounts, named ones aside: the container's own leaf, its root inside
            assertThat(host).filteredOn(l -> !l.contains(":name=")).isNotEmpty()
                    .allSatisfy(l -> assertThat(l).endsWith("/gatun-" + id));
            assertThat(inside).filteredOn(l -> !l.contains(":name=")).isNotEmpty().allSatisfy(l -> assertThat(l).endsWith(":/"));
        }
        Leftovers.assertNoneOf(id);
    }

    // ---- the kernel itself: modules, kexec, bpf, perf, userfaultfd, io_uring, time, reboot ----

    @ParameterizedTest
    @EnumSource(Target.class)
    void loadingAKernelModuleIsRefused(Target target) throws Exception {
        // a kernel built without modules (no /proc/modules) answers ENOSYS itself; the default
        // profile refuses the calls before the kernel sees them
        int refusal = target == Target.DEFAULT || Files.exists(Path.of("/proc/modules")) ? EPERM : 38;
        assertThat(errno(target, "init_module", 0, 0, "")).isEqualTo(refusal);
        assertThat(errno(target, "finit_module", 0, "", 0)).isEqualTo(refusal);
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void kexecLoadIsRefused(Target target) throws Exception {
        // a kernel built without kexec (no /sys/kernel/kexec_loaded) answers ENOSYS itself; the
        // default profile refuses the call before the kernel sees it
        boolean kexec = Files.exists(Path.of("/sys/kernel/kexec_loaded"));
        assertThat(errno(target, "kexec_load", 0, 0, 0, 0)).isEqualTo(target == Target.DEFAULT || kexec ? EPERM : 38);
    }

    @Test
    void bpfIsRefused() throws Exception {
        assertThat(errno(Target.DEFAULT, "bpf", 5 /* BPF_PROG_LOAD */, 0, 0)).isEqualTo(EPERM);
    }

    @Test
    void perfEventOpenIsRefused() throws Exception {
        assertThat(errno(Target.DEFAULT, "perf_event_open", 0, 0, -1, -1, 0)).isEqualTo(EPERM);
    }

    @Test
    void userfaultfdIsRefused() throws Exception {
        // userfaultfd stalls kernel copies at will: the classic helper of use-after-free exploits
        assertThat(errno(Target.DEFAULT, "userfaultfd", 0)).isEqualTo(EPERM);
    }

    @Test
    void ioUringIsRefused() throws Exception {
        assertThat(errno(Target.DEFAULT, "io_uring_setup", 1, 0)).isEqualTo(EPERM);
    }

    @Test
    void settingTheClockIsRefused() throws Exception {
        assertThat(errno(Target.DEFAULT, "clock_settime", 0, 0)).isEqualTo(EPERM);
        assertThat(errno(Target.DEFAULT, "settimeofday", 0, 0)).isEqualTo(EPERM);
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void rebootIsRefused(Target target) throws Exception {
        // LINUX_REBOOT_CMD_RESTART with both magic numbers: CAP_SYS_BOOT is in neither capability set
        assertThat(errno(target, "reboot", 0xfee1dead, 672274793, 0x01234567, 0)).isEqualTo(EPERM);
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void shocker_openByHandleAtIsRefused(Target target) throws Exception {
        // "shocker" (2014) read host files by brute-forcing file handles with CAP_DAC_READ_SEARCH
        Ran r = run(target, "perl -e 'my $h = pack(q{LLQ}, 8, 1, 2); my $r = syscall(" + CALLS.number("open_by_handle_at")
                + ", -100, $h, 0); print $r == -1 ? $!+0 : 0, qq{\\n}'");
        assertThat(r.out().strip()).as("%s", r).isEqualTo(Integer.toString(EPERM));
    }

    // ---- /proc and /sys ---------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Target.class)
    void writingCorePatternIsRefusedAndTheHostsValueStays(Target target) throws Exception {
        String before = Files.readString(Path.of("/proc/sys/kernel/core_pattern"));
        assertThat(run(target, attempt("echo '|/tmp/pwn' > /proc/sys/kernel/core_pattern")).out()).contains("refused");
        assertThat(Files.readString(Path.of("/proc/sys/kernel/core_pattern"))).isEqualTo(before);
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void writingAnyProcSysFileIsRefused(Target target) throws Exception {
        assertThat(run(target, attempt("echo 1 > /proc/sys/kernel/sysrq") + "; "
                + attempt("echo 1 > /proc/sys/vm/drop_caches")).out().lines().toList()).containsExactly("refused", "refused");
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void sysrqTriggerIsRefused(Target target) throws Exception {
        assertThat(run(target, attempt("echo h > /proc/sysrq-trigger")).out()).contains("refused");
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void procKcoreKeysAndTimerListShowNothing(Target target) throws Exception {
        // each is masked where the host's kernel has it, and absent where it does not
        List<String> files = List.of("/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug");
        List<String> expected = files.stream().map(f -> f + (Files.exists(Path.of(f)) ? " 0" : " absent")).toList();
        String script = "for f in " + String.join(" ", files) + "; do if [ -e $f ]; then echo $f $(wc -c < $f); "
                + "else echo $f absent; fi; done";
        assertThat(run(target, script).out().lines().toList()).containsExactlyElementsOf(expected);
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void sysIsReadOnly(Target target) throws Exception {
        List<String> files = Stream.of("/sys/kernel/mm/ksm/run", "/sys/kernel/mm/transparent_hugepage/enabled",
                "/sys/kernel/uevent_helper").filter(f -> Files.exists(Path.of(f))).toList();
        Kernel.require(!files.isEmpty(), "a writable sysfs file on the host to try");
        String script = attempt("touch /sys/escape") + files.stream().map(f -> "; " + attempt("echo 1 > " + f))
                .collect(Collectors.joining());
        assertThat(run(target, script).out().lines().toList()).hasSize(files.size() + 1).containsOnly("refused");
    }

    // ---- other processes ---------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Target.class)
    void theJvmAndOtherHostProcessesCannotBeSignalledOrTraced(Target target) throws Exception {
        Process bystander = new ProcessBuilder("sleep", "60").start();
        try {
            long jvm = ProcessHandle.current().pid();
            // a pid number the container could also hold itself would prove nothing
            Kernel.require(jvm > 50 && bystander.pid() > 50, "host pids above the container's own few (jvm " + jvm + ")");
            assertThat(errno(target, "kill", jvm, 0)).isEqualTo(ESRCH);
            assertThat(errno(target, "kill", bystander.pid(), 9)).isEqualTo(ESRCH);
            assertThat(errno(target, "ptrace", 16 /* PTRACE_ATTACH */, jvm, 0, 0)).isEqualTo(ESRCH);
            // kill(-1) reaches every process the container may signal: only its own (not its init)
            Ran all = run(target, "sleep 30 & kill -9 -1; wait $!; echo sleep $?");
            assertThat(all.out().lines().toList()).as("%s", all).last().isEqualTo("sleep " + (128 + 9));
            assertThat(bystander.isAlive()).isTrue();
        } finally {
            bystander.destroyForcibly();
            bystander.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void tiocsti_aTerminalTheContainerInheritsCannotBeFedInput() throws Exception {
        // a container handed the user's terminal (say stdin inherited from an interactive JVM)
        // pushes "rm -rf ~\n" into its input queue with TIOCSTI: the shell reads it once the
        // container exits. The init's setsid makes the terminal no longer its controlling one,
        // and TIOCSTI on another terminal needs CAP_SYS_ADMIN.
        Kernel.require(!Files.exists(Path.of("/proc/sys/dev/tty/legacy_tiocsti"))
                || Files.readString(Path.of("/proc/sys/dev/tty/legacy_tiocsti")).strip().equals("1"),
                "TIOCSTI enabled (dev.tty.legacy_tiocsti=1); with 0 the kernel refuses it to everyone");
        try (dev.gatun.core.io.Stdio tty = dev.gatun.core.io.Stdio.openTerminal(24, 80)) {
            java.io.File slave = new java.io.File("/proc/self/fd/" + tty.childFd(0));
            // the terminal is a host session's controlling terminal, as a user's shell's is
            Process session = new ProcessBuilder("setsid", "-c", "sleep", "60").redirectInput(slave).start();
            try {
                Thread.sleep(200);
                assertThat(session.isAlive()).isTrue();
                // TIOCSTI (0x5412) directly, then after trying to take the terminal over (TIOCSCTTY, 0x540E)
                Ran r = Ran.of(Container.builder().id(Leftovers.id("tiocsti"))
                        .redirectInput(java.lang.ProcessBuilder.Redirect.from(slave))
                        .command("perl", "-e", "my $c = qq{x}; print ioctl(STDIN, 0x5412, $c) ? 0 : $!+0, qq{\\n}; "
                                + "print ioctl(STDIN, 0x540E, 0) ? 0 : $!+0, qq{\\n}; "
                                + "print ioctl(STDIN, 0x5412, $c) ? 0 : $!+0, qq{\\n}"));
                assertThat(r.out().lines().toList()).as("%s", r).containsExactly("1", "1", "1");
            } finally {
                session.destroyForcibly();
                session.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    // ---- privileges -----------------------------------------------------------------------------

    @Test
    void rawSocketsNeedCapNetRaw() throws Exception {
        // Docker's set keeps CAP_NET_RAW (in the container's own network namespace); runc spec's
        // and a builder that drops it get EPERM for socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)
        assertThat(errno(Target.BUNDLE, "socket", 2, 3, 1)).isEqualTo(EPERM);
        List<String> withoutRaw = dev.gatun.core.security.CapabilitySets.DOCKER_DEFAULT.stream().map(Enum::name)
                .filter(c -> !c.equals("CAP_NET_RAW")).toList();
        Ran r = Ran.of(Container.builder().id(Leftovers.id("noraw")).capabilities(withoutRaw.toArray(String[]::new))
                .command("/bin/sh", "-c", perl("socket", 2, 3, 1)));
        assertThat(r.out().strip()).as("%s", r).isEqualTo(Integer.toString(EPERM));
    }

    @Test
    void aSetuidBinaryGainsNothingUnderNoNewPrivs() throws Exception {
        // a setuid-root copy of id(1), bound into the container, run as uid 1000
        Path dir = Files.createDirectories(tmp.resolve("suid"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path id = dir.resolve("id");
        Files.copy(Path.of("/usr/bin/id"), id, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(new ProcessBuilder("chmod", "4755", id.toString()).start().waitFor()).isZero();
        Mount suidBind = new Mount("/opt/suid", dir.toString(), "bind", List.of("rbind", "ro"), null, null);
        Ran guarded = Ran.of(Container.builder().id(Leftovers.id("suid")).user(1000, 1000).mount(suidBind)
                .command("/opt/suid/id", "-u"));
        assertThat(guarded.out().strip()).as("%s", guarded).isEqualTo("1000");
        // the same binary without no_new_privs does become root: the test can tell
        Ran open = Ran.of(Container.builder().id(Leftovers.id("suidopen")).user(1000, 1000).mount(suidBind)
                .noNewPrivileges(false).seccomp(false).command("/opt/suid/id", "-u"));
        assertThat(open.out().strip()).as("%s", open).isEqualTo("0");
    }

    // ---- host-global settings from a config ----------------------------------------------

    @Test
    void aHostGlobalSysctlIsRefusedAtCreateAndTheHostsValueStays() throws Exception {
        Path file = Path.of("/proc/sys/kernel/printk_ratelimit_burst");
        String before = Files.readString(file);
        HostSnapshot snapshot = HostSnapshot.take();
        String id = Leftovers.id("sysctl");
        try (Container c = Container.builder().id(id).sysctl("kernel.printk_ratelimit_burst", "77")
                .command("/bin/true").build()) {
            assertThatThrownBy(c::create).isInstanceOf(InvalidSpecException.class)
                    .hasMessageContaining("$.linux.sysctl[\"kernel.printk_ratelimit_burst\"]");
        }
        String bundled = Leftovers.id("sysctlbundle");
        try (Container c = Container.fromBundle(writeBundle(bundled, "true",
                Map.of("kernel.printk_ratelimit_burst", "77")), bundled)) {
            assertThatThrownBy(c::create).isInstanceOf(InvalidSpecException.class)
                    .hasMessageContaining("$.linux.sysctl[\"kernel.printk_ratelimit_burst\"]");
        }
        assertThat(Files.readString(file)).isEqualTo(before);
        Leftovers.assertNoneOf(id);
        Leftovers.assertNoneOf(bundled);
        HostSnapshot.take().assertNoLeaksSince(snapshot);
    }

    // ---- the runtime's own cleanup ---------------------------------------------------------

    /**
     * A container with a writable rootfs moves away the directory that holds a mount point the
     * runtime made, and puts a symlink to a host directory in its place. Deleting the container
     * removes the mount points it made; that removal must not follow the link to the host's file.
     */
    @Test
    void aSymlinkPlantedWhereTheRuntimeMadeAMountPointDoesNotLeadItsCleanupToAHostFile() throws Exception {
        Path victim = Files.createDirectories(tmp.resolve("victim/dir"));
        Files.writeString(victim.resolve("file"), "the host's\n");
        Path source = Files.writeString(tmp.resolve("bound-file"), "bound\n");
        Path rootfs = BusyboxRootfs.create(tmp.resolve("writable-rootfs"));
        String id = Leftovers.id("plant");
        Path bundle = Files.createDirectories(tmp.resolve("bundles").resolve(id));
        Spec example = OciSpecs.example();
        List<Mount> mounts = new ArrayList<>(example.mounts());
        mounts.add(new Mount("/planted/dir/file", source.toString(), "bind", List.of("bind", "ro"), null, null));
        String script = "mv /planted /planted.moved && ln -s " + victim.getParent() + " /planted && cat /planted.moved/dir/file";
        OciSpecs.writeConfig(example.toBuilder().root(new Root(rootfs.toString(), false)).mounts(mounts)
                .process(example.process().toBuilder().terminal(false).args(List.of("/bin/sh", "-c", script)).build())
                .build(), bundle.resolve("config.json"));
        try (Container c = Container.fromBundle(bundle, id)) {
            Ran ran = Ran.of(c);
            assertThat(ran.out()).as("%s", ran).isEqualTo("bound\n");
            assertThat(Files.isSymbolicLink(rootfs.resolve("planted"))).as("the link is in place").isTrue();
            assertThatThrownBy(c::delete).isInstanceOf(IOException.class)
                    .hasMessageContaining("could not remove mount points")
                    .hasMessageContaining(rootfs.toRealPath() + "/planted/dir/file");
        } finally {
            Leftovers.assertNoneOf(id);
        }
        assertThat(victim.resolve("file")).as("the host's file").hasContent("the host's");
        assertThat(rootfs.resolve("planted.moved/dir/file")).as("the moved mount point stays, in the rootfs").exists();
    }

    /**
     * The same plant in the sandbox root, made writable: a host path that is a symlink is made as
     * a symlink in the root (its tmpfs), and the container replaces a directory on its way with a
     * link to a host directory that holds a file of that name; the removal of the container's
     * directory on the host reaches none of it.
     */
    @Test
    void aSymlinkPlantedInAWritableSandboxRootDoesNotLeadItsRemovalToAHostFile() throws Exception {
        Path base = Files.createTempDirectory(Path.of("/var/tmp"), "gatun-plant");
        try {
            Path hostLink = Files.createSymbolicLink(base.resolve("link"), Path.of("/usr/share"));
            Path victim = Files.createDirectories(tmp.resolve("sandbox-victim"));
            Path victimFile = Files.createDirectories(victim.resolve(Path.of("/").relativize(base.getParent())))
                    .resolve(base.getFileName()).resolve("link");
            Files.createDirectories(victimFile.getParent());
            Files.writeString(victimFile, "the host's\n");
            List<String> hostPaths = new ArrayList<>(ContainerBuilder.DEFAULT_HOST_PATHS);
            hostPaths.add(hostLink.toString());
            String id = Leftovers.id("plantsbx");
            try (Container c = Container.builder().id(id).readonlyRootfs(false).hostPaths(hostPaths.toArray(String[]::new))
                    .redirectErrorStream(true)
                    .command("/bin/sh", "-c", "readlink " + hostLink + " && mv /var /var.moved && ln -s " + victim + "/var /var")
                    .build()) {
                Ran ran = Ran.of(c);
                assertThat(ran).as("%s", ran).isEqualTo(new Ran(0, "/usr/share\n"));
                c.delete();
            } finally {
                Leftovers.assertNoneOf(id);
            }
            assertThat(victimFile).as("the host's file").hasContent("the host's");
        } finally {
            try (Stream<Path> walk = Files.walk(base)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /**
     * As root the sandbox root is a tmpfs the container's init mounts on an empty host directory,
     * in its own mount namespace: a container with a writable root writes, deletes and plants
     * links there, and the host sees none of it, during the run or after; the per-JVM tree the
     * planner reads (its skeleton) stays as it was.
     */
    @Test
    void theSandboxRootIsATmpfsOfTheContainersOwnThatTheHostNeverSees() throws Exception {
        String id = Leftovers.id("tmpfsroot");
        String script = "stat -f -c %T / && echo x > /root/x && rm -rf /home && ln -s /etc /home && mkdir /newdir"
                + " && echo ready && sleep 30";
        try (Container c = Container.builder().id(id).readonlyRootfs(false).redirectErrorStream(true)
                .command("/bin/sh", "-c", script).build()) {
            c.create();
            Path hostRoot = SandboxRoot.stateDirectory().resolve(id).resolve("rootfs");
            List<Path> skeletons;
            try (Stream<Path> s = Files.list(SandboxRoot.stateDirectory())) {
                skeletons = s.filter(d -> d.getFileName().toString().startsWith("skeleton-" + ProcessHandle.current().pid() + "-"))
                        .map(d -> d.resolve("rootfs")).toList();
            }
            assertThat(skeletons).isNotEmpty();
            Map<Path, String> before = tree(skeletons);
            ContainerProcess p = c.start();
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("tmpfs");
            assertThat(out.readLine()).isEqualTo("ready");
            try (Stream<Path> s = Files.list(hostRoot)) {
                assertThat(s.toList()).as("the host's directory under the container's root").isEmpty();
            }
            c.close();
            assertThat(tree(skeletons)).isEqualTo(before);
        } finally {
            Leftovers.assertNoneOf(id);
        }
    }

    /** Every path below {@code roots}, with its link target or its kind. */
    private static Map<Path, String> tree(List<Path> roots) throws IOException {
        Map<Path, String> all = new java.util.TreeMap<>();
        for (Path root : roots) {
            try (Stream<Path> s = Files.walk(root)) {
                for (Path p : s.toList()) {
                    all.put(p, Files.isSymbolicLink(p) ? "-> " + Files.readSymbolicLink(p)
                            : Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? "dir" : "file");
                }
            }
        }
        return all;
    }

    // ---- exhaustion ---------------------------------------------------------------------------

    @Test
    void aForkBombStopsAtTheDefaultPidsLimitAndTheJvmGoesOn() throws Exception {
        String id = Leftovers.id("forkbomb");
        try (Container c = Container.builder().id(id).stopTimeout(java.time.Duration.ofMillis(200))
                // perl's fork returns undef at the ceiling and the loop goes on (a shell would give up)
                .command("perl", "-e", "for (1..3000) { my $p = fork(); if (defined $p && $p == 0) { sleep 120; exit } } "
                        + "sleep 120")
                .redirectOutput(java.lang.ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).build()) {
            c.run();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (c.cgroup().orElseThrow().events().pidsMax() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            // the kernel refused forks at the ceiling, and the container holds no more than it
            assertThat(c.cgroup().orElseThrow().events().pidsMax()).isPositive();
            assertThat(c.stats().pids()).isLessThanOrEqualTo(ContainerBuilder.DEFAULT_PIDS_LIMIT);
            // the JVM still starts threads, and containers, while the bomb holds its pids
            Thread t = Thread.ofPlatform().start(() -> { });
            t.join();
            Ran other = Ran.of(Container.builder().id(Leftovers.id("afterbomb")).command("/bin/echo", "alive"));
            assertThat(other.out().strip()).isEqualTo("alive");
        }
        Leftovers.assertNoneOf(id);
    }

    @Test
    void theDefaultContainerIsTheOomKillersFirstChoiceAndTheJvmKeepsItsScore() throws Exception {
        Path jvm = Path.of("/proc/self/oom_score_adj");
        String before = Files.readString(jvm);
        Kernel.require(Integer.parseInt(before.strip()) < ContainerBuilder.DEFAULT_OOM_SCORE_ADJ,
                "a JVM whose own oom_score_adj is below " + ContainerBuilder.DEFAULT_OOM_SCORE_ADJ + ": " + before);
        // the init and what it forks; read after a moment, as a program would run
        Ran r = Ran.of(Container.builder().id(Leftovers.id("oomscore"))
                .command("/bin/sh", "-c", "sleep 0.2; cat /proc/self/oom_score_adj; cat /proc/1/oom_score_adj"));
        String adj = Integer.toString(ContainerBuilder.DEFAULT_OOM_SCORE_ADJ);
        assertThat(r.out().lines().toList()).as("%s", r).containsExactly(adj, adj);
        // the kernel copies an oom_score_adj write to every process sharing the writer's memory: the
        // init, which shares the JVM's until it execs, must not have set the JVM's
        assertThat(Files.readString(jvm)).isEqualTo(before);
    }
}
