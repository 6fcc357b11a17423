package dev.gatun.core.plan;

import dev.gatun.cgroups.Cgroup;
import dev.gatun.cgroups.CgroupVersion;
import dev.gatun.core.io.ContainerConsole;
import dev.gatun.core.io.PtyCalls;
import dev.gatun.core.io.Stdio;
import dev.gatun.core.linux.Arch;
import dev.gatun.core.linux.Flags;
import dev.gatun.core.linux.LibC;
import dev.gatun.core.ns.Loopback;
import dev.gatun.core.ns.NamespaceSetup;
import dev.gatun.core.rootfs.ChildRoot;
import dev.gatun.core.rootfs.RootfsOptions;
import dev.gatun.core.rootfs.RootfsPlan;
import dev.gatun.core.security.Capability;
import dev.gatun.core.security.CapabilityPlan;
import dev.gatun.core.security.CapabilitySets;
import dev.gatun.core.security.Rlimit;
import dev.gatun.core.security.SeccompProgram;
import dev.gatun.core.security.SecurityPlan;
import dev.gatun.core.security.SecurityStep;
import dev.gatun.core.spawn.Arg;
import dev.gatun.core.spawn.InitWaiter;
import dev.gatun.core.spawn.Program;
import dev.gatun.core.spawn.SpawnOptions;
import dev.gatun.namespaces.IdMapping;
import dev.gatun.namespaces.IdMappings;
import dev.gatun.namespaces.NamespaceType;
import dev.gatun.namespaces.Namespaces;
import dev.gatun.namespaces.OciNamespace;
import dev.gatun.namespaces.SetGroups;
import dev.gatun.namespaces.TimeOffsets;
import dev.gatun.oci.Linux;
import dev.gatun.oci.ProcessSpec;
import dev.gatun.oci.Spec;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Compiles a container's OCI spec into the child's syscall program: the one place that decides
 * the order of everything a container's init does between {@code clone} and {@code execve}.
 *
 * <pre>
 *  fds          [spawner] stdio (/dev/null for a container terminal) on 0-2, pipes on 3-5, namespace
 *               fds from 6; every other fd closed
 *  namespaces   setns / unshare, [pause: parent writes uid/gid maps, places v1 cgroups]
 *  cgroups      v1: write "0" to each cgroup.procs (no user namespace); unshare(CLONE_NEWCGROUP)
 *  session      setsid, [host terminal: ioctl(slave, TIOCSCTTY, 0)]
 *  identity     lo up, hostname, domainname, sysctl (through the host's /proc)
 *  rootfs       mounts, /proc, /dev, pivot_root
 *  terminal     [container terminal: pty from /dev/pts/ptmx, /dev/console, TIOCSCTTY]
 *  rootfs       masked paths, read-only paths, read-only root
 *  security     rlimits, bounding set, keepcaps | setgroups, setresgid, setresuid | pdeathsig,
 *               capset, ambient, no_new_privs, seccomp
 *  process      umask, [container terminal: dup3 on 0-2], close_range(3.., CLOEXEC), chdir
 *  pause        "created": notify parent, wait for start, notify "released"
 *  signals      what the JVM ignores back to SIG_DFL (CLONE_CLEAR_SIGHAND keeps ignored signals)
 *  exec         unblock signals, execve (a detached container: execveat of the init waiter, which
 *               waits on exec.fifo and then execs the command)
 * </pre>
 *
 * <p>Not here: {@code process.oomScoreAdj}, which the JVM writes once the init has exec'd
 * ({@link dev.gatun.core.Container#start()}). The kernel copies a write to
 * {@code oom_score_adj} to every process that shares the writer's memory, unless the writer is a
 * vfork child: a waiting init writing it would set the JVM's own score too.
 *
 * <p>It reads only the spec (and the host facts it must: the cgroup, the architecture, the
 * kernel's last capability). Bad input is an {@link dev.gatun.oci.InvalidSpecException} naming
 * the JSON path.
 */
public final class ContainerPlanner {

    private static final long CLONE_NEWCGROUP = NamespaceType.CGROUP.cloneFlag();
    private static final int SIGKILL = 9;

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ContainerPlanner.class);

    private ContainerPlanner() {}

    /**
     * Compiles {@code spec}'s seccomp section into the cache {@link #plan} reads, ahead of time (a
     * first container's seccomp program, compiled in the background while its caller still builds).
     *
     * @throws IllegalArgumentException for a section the compiler refuses (never cached)
     */
    public static void precompileSeccomp(Spec spec) {
        if (spec.linux() != null && spec.linux().seccomp() != null) {
            SeccompCache.compile(spec.linux().seccomp(), Arch.current());
        }
    }

    /**
     * Plans a container.
     *
     * @param spec a validated spec
     * @param bundle the directory relative paths in the spec are relative to
     * @param cgroup the container's cgroup, created already; null for none
     * @param stdio the fds the child puts on 0, 1 and 2; a {@linkplain Stdio#isTerminal() terminal}
     *     also becomes the init's controlling terminal
     * @param dieWithParent whether the init gets SIGKILL when the JVM's spawner thread dies
     */
    public static ContainerPlan plan(Spec spec, Path bundle, Cgroup cgroup, Stdio stdio, boolean dieWithParent)
            throws IOException {
        return plan(spec, bundle, cgroup, stdio, dieWithParent, null);
    }

    /**
     * Plans a container whose init, when {@code waitDirectory} is not null, ends by exec'ing the
     * {@linkplain InitWaiter init waiter} instead of the command: the waiter blocks until someone
     * opens {@code waitDirectory/exec.fifo} (a FIFO the caller made) for reading, then execs the
     * command. So the init waits for start in an address space of its own, not the JVM's.
     */
    public static ContainerPlan plan(Spec spec, Path bundle, Cgroup cgroup, Stdio stdio, boolean dieWithParent,
            Path waitDirectory) throws IOException {
        return plan(spec, bundle, cgroup, stdio, dieWithParent, waitDirectory, 0);
    }

    /**
     * As {@link #plan(Spec, Path, Cgroup, Stdio, boolean, Path)}, passing this process's fds 3 to
     * {@code 3 + preserveFds - 1} to the container's process at the same numbers ({@code runc
     * --preserve-fds}): inherited first, and moved into place ({@code dup3}, without
     * {@code O_CLOEXEC}) as the last steps before the exec.
     */
    public static ContainerPlan plan(Spec spec, Path bundle, Cgroup cgroup, Stdio stdio, boolean dieWithParent,
            Path waitDirectory, int preserveFds) throws IOException {
        return plan(spec, bundle, cgroup, stdio, dieWithParent, waitDirectory, preserveFds, null);
    }

    /**
     * As {@link #plan(Spec, Path, Cgroup, Stdio, boolean, Path, int)}, with the init mounting
     * {@code overlay} (when not null) on the rootfs directory before anything else is mounted
     * there ({@link RootfsPlan#prepare(Spec, Path, RootfsOptions, ChildRoot)}): the command and
     * the mount targets are then looked up in {@code overlay.lookupTree()}.
     */
    public static ContainerPlan plan(Spec spec, Path bundle, Cgroup cgroup, Stdio stdio, boolean dieWithParent,
            Path waitDirectory, int preserveFds, ChildRoot overlay) throws IOException {
        if (preserveFds < 0) {
            throw new IllegalArgumentException("preserveFds: " + preserveFds + " is negative");
        }
        ProcessSpec process = spec.process();
        if (process == null || Absent.list(process.args()).isEmpty()) {
            throw Invalid.spec("$.process.args", "a container needs a command to run");
        }
        ProcLinks.refuse(spec, "$.process.cwd", process.cwd());
        ProcLinks.refuse(spec, "$.process.args[0]", process.args().getFirst());
        List<String> notes = new ArrayList<>();
        Linux linux = spec.linux() != null ? spec.linux() : Linux.builder().build();
        Namespaces namespaces = namespaces(linux);
        boolean newUserNs = namespaces.created().contains(NamespaceType.USER);
        boolean newNetNs = namespaces.created().contains(NamespaceType.NETWORK);
        boolean newCgroupNs = namespaces.created().contains(NamespaceType.CGROUP);

        refuseProcOfAnUnownedPidNamespace(spec, namespaces);
        Sysctls.check(Absent.map(linux.sysctl()), namespaces);
        NamespaceSetup ns = NamespaceSetup.prepare(namespaces);
        // the seccomp filter's memory, read by the child until exec; an automatic arena, because a
        // shared one's close costs a handshake with every JVM thread, on the hot path of each container
        Arena memory = Arena.ofAuto();
        int cgroupFd = -1;
        int devNull = -1;
        int waitDirFd = -1;
        int waiterFd = -1;
        RootfsPlan rootfs = null;
        try {
            if (ns.requiresFork()) {
                // a PID namespace joined at the clone needs no fork (NamespaceSetup): what is left is a
                // PID namespace unshared after joins, or joined after a user namespace without CAP_SYS_ADMIN
                throw Invalid.spec("$.linux.namespaces", "a new PID namespace together with joined namespaces, or "
                        + "a PID namespace joined after a user namespace by a caller without CAP_SYS_ADMIN, is not "
                        + "supported by Container yet (the child must fork into it, and the spawn engine's fork step "
                        + "has no create/start pause)");
            }
            rootfs = RootfsPlan.prepare(spec, bundle, RootfsOptions.defaults()
                    .newUserNamespace(newUserNs).newNetNamespace(newNetNs).ttyGroupMapped(!newUserNs || mapsGid(linux, 5))
                    .cgroup(cgroup == null ? Map.of() : cgroup.directories(), newCgroupNs), overlay);
            // the child holds only the fds listed here from its first steps on (Program.ownFdTable):
            // no fd of the JVM reaches the container, through /proc/self/fd or otherwise
            Program.Builder b = Program.builder().ownFdTable();
            // first, so that they get the lowest inherited numbers: the moves into 3.. at the end
            // then never overwrite an fd not yet moved, nor the waiter's
            int[] preserved = preserveFdSteps(b, preserveFds);
            if (stdio.isTerminalFromContainer()) {
                // the init makes its terminal after pivot_root; until then 0, 1 and 2 are /dev/null,
                // not the JVM's own stdio (and never free, so no fd the init opens takes their numbers)
                devNull = dev.gatun.core.linux.LibC.openat(dev.gatun.core.linux.LibC.AT_FDCWD, "/dev/null",
                        dev.gatun.core.linux.LibC.O_RDWR | dev.gatun.core.linux.LibC.O_CLOEXEC, 0);
            }
            for (int stream = 0; stream < 3; stream++) {
                b.stdio(stream, devNull >= 0 ? devNull : stdio.childFd(stream));
            }
            SpawnOptions options = ns.spawnOptions(SpawnOptions.defaults());

            // cgroups: on v2 the clone itself places the child; on v1 the child writes its own
            // cgroup.procs, unless a user namespace makes the host's cgroupfs read-only to it:
            // then the parent places it during the early pause.
            Cgroup parentPlaced = null;
            boolean deferCgroupNs = false;
            if (cgroup != null && cgroup.version() == CgroupVersion.V1) {
                if (newCgroupNs) {
                    // the cgroup namespace's root is the cgroup the process is in when it is made
                    options = options.namespaces(options.namespaces() & ~CLONE_NEWCGROUP);
                    deferCgroupNs = true;
                }
            }
            ns.appendChildSteps(b);
            if (newUserNs && mapsId(linux.uidMappings(), 0) && mapsId(linux.gidMappings(), 0)) {
                // the child still has the parent's ids: when the parent is not the mapped user
                // (root mapping a range 0 -> 100000), they are unmapped in the new namespace and
                // every file it creates fails with EOVERFLOW; become the namespace's root first,
                // as runc's nsexec does (the capabilities stay: the new euid is the namespace's root)
                b.setresgid(0);
                b.setresuid(0);
            }
            if (cgroup != null) {
                if (cgroup.version() == CgroupVersion.V2) {
                    cgroupFd = dev.gatun.core.linux.LibC.openat(dev.gatun.core.linux.LibC.AT_FDCWD,
                            cgroup.directories().values().iterator().next().toString(),
                            dev.gatun.core.linux.LibC.O_RDONLY | dev.gatun.core.linux.LibC.O_DIRECTORY | 02000000, 0);
                    options = options.cgroupFd(cgroupFd);
                } else if (ns.requiresHandshake() && newUserNs) {
                    parentPlaced = cgroup;
                } else {
                    for (Map.Entry<String, Path> dir : cgroup.directories().entrySet()) {
                        b.writeFile(dir.getValue().resolve("cgroup.procs").toString(), "0");
                    }
                }
            }
            if (deferCgroupNs) {
                b.syscall("unshare", Arg.flags(CLONE_NEWCGROUP, Flags.CLONE));
            }
            b.setsid();
            if (stdio.isTerminal() && !stdio.isTerminalFromContainer()) {
                // the new session's leader takes the pty slave as its controlling terminal, before
                // seccomp and the capability drop; the slave goes on 0, 1 and 2 with the other dup3s
                b.syscall("ioctl", Arg.of(0), new Arg.Value(PtyCalls.TIOCSCTTY, "TIOCSCTTY"), Arg.of(0));
            }

            // before the container's mounts: the sysctl writes go through the
            // host's /proc, which the spec cannot change, never through a /proc the container's
            // rootfs or mounts provide, where a bind or a symlink could take them (CVE-2025-52881).
            // What a /proc/sys file changes is chosen by the writer's namespaces, not by the proc
            // mount, so the effect is the container's
            if (newNetNs) {
                Loopback.appendUp(b);
            }
            if (spec.hostname() != null) {
                b.sethostname(spec.hostname());
            }
            if (spec.domainname() != null) {
                byte[] d = spec.domainname().getBytes(StandardCharsets.UTF_8);
                b.syscall("setdomainname", new Arg.Text(spec.domainname()), Arg.of(d.length));
            }
            for (Map.Entry<String, String> sysctl : Absent.map(linux.sysctl()).entrySet()) {
                b.writeFile("/proc/sys/" + sysctl.getKey().replace('.', '/'), sysctl.getValue());
            }
            rootfs.appendBeforePivot(b);
            if (hasCreateContainerPause(spec)) {
                // the createContainer hooks run here, in the container's namespaces before
                // pivot_root, as the runtime spec says: the parent execs them into this init's
                // namespaces while it waits
                b.notifyParent().awaitParent();
            }
            rootfs.appendPivot(b);
            ContainerConsole console = null;
            if (stdio.isTerminalFromContainer()) {
                // in the container's own devpts, now that /dev/pts is its own and before the
                // capability drop; the slave goes on 0, 1 and 2 with the other dup3s
                ProcessSpec.ConsoleSize size = process.consoleSize();
                console = ContainerConsole.append(b,
                        size == null ? 0 : windowSide("$.process.consoleSize.height", size.height()),
                        size == null ? 0 : windowSide("$.process.consoleSize.width", size.width()),
                        process.user() != null && process.user().uid() != null ? process.user().uid() : 0);
            }
            rootfs.appendAfterPivot(b);

            appendIdentityAndSecurity(b, spec, linux, newUserNs, dieWithParent, memory);

            if (process.user() != null && process.user().umask() != null) {
                b.syscall("umask", Arg.mode((int) (long) process.user().umask()));
            }
            if (console != null) {
                for (int stream = 0; stream < 3; stream++) {
                    b.dup3(console.slave(), stream, 0);
                }
            }
            b.closeRangeCloexec(3);
            b.chdir(process.cwd() != null ? process.cwd() : "/");
            // "created" (notify), wait for start, then "released" (notify): the parent's start then
            // knows for sure whether this init lives past the wait, even if something killed it
            // while it waited and its death is still under way
            b.notifyParent().awaitParent().notifyParent();
            resetIgnoredSignals(b);
            b.unblockSignals();
            String path = CommandResolver.resolve(ContainerView.of(spec, bundle,
                    overlay == null ? null : overlay.lookupTree()), Absent.list(process.args()).getFirst(), Absent.list(process.env()));
            ProcLinks.refuse(spec, "$.process.args[0]", path); // found on a PATH that leads through proc
            movePreservedFds(b, preserved);
            if (waitDirectory == null) {
                b.execve(path, process.args(), Absent.list(process.env()));
            } else {
                // the state directory's fd must survive the exec into the waiter (close_range above
                // marked it O_CLOEXEC), which opens the FIFO through it and closes it before the
                // command's exec: the command never holds the host's directory
                waitDirFd = LibC.openat(LibC.AT_FDCWD, waitDirectory.toString(),
                        LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
                int childDir = b.inherit(waitDirFd);
                waiterFd = InitWaiter.memfd(childDir);
                int childWaiter = b.inherit(waiterFd);
                b.syscall("fcntl", Arg.of(childDir), new Arg.Value(2, "F_SETFD"), Arg.of(0));
                List<String> argv = new ArrayList<>();
                argv.add(path);
                argv.addAll(process.args());
                b.syscall("execveat", Arg.of(childWaiter), new Arg.Text(""), new Arg.Strings(argv),
                        new Arg.Strings(Absent.list(process.env())), new Arg.Value(AT_EMPTY_PATH, "AT_EMPTY_PATH"));
            }
            return new ContainerPlan(b.build(), options, ns, rootfs, parentPlaced, memory, notes, cgroupFd, devNull,
                    console == null ? null : console.master(), waiterFds(waitDirFd, waiterFd));
        } catch (IOException | RuntimeException e) {
            if (rootfs != null) {
                // the mount points prepare made (files for file binds too): a later failure,
                // such as a command that is not there, must not leave them in the rootfs
                List<Path> left = rootfs.cleanup();
                if (!left.isEmpty()) {
                    e.addSuppressed(new IOException("could not remove mount points: " + left));
                }
            }
            try {
                ns.close();
                if (cgroupFd >= 0) {
                    dev.gatun.core.linux.LibC.close(cgroupFd);
                }
                if (devNull >= 0) {
                    dev.gatun.core.linux.LibC.close(devNull);
                }
                for (int fd : waiterFds(waitDirFd, waiterFd)) {
                    LibC.close(fd);
                }
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static final int AT_EMPTY_PATH = 0x1000;

    /** Inherits this process's fds 3 .. 3 + n - 1; returns their numbers in the child. */
    static int[] preserveFdSteps(Program.Builder b, int n) {
        int[] child = new int[n];
        for (int i = 0; i < n; i++) {
            child[i] = b.inherit(3 + i);
        }
        return child;
    }

    /**
     * Moves the preserved fds to 3, 4, ... without O_CLOEXEC: in increasing order, each source
     * (numbered from {@link Program#FIRST_INHERITED_FD} up) is read before a later move writes
     * over its number. After these the error pipe (fd 3) may be gone: only the exec follows.
     */
    static void movePreservedFds(Program.Builder b, int[] preserved) {
        for (int i = 0; i < preserved.length; i++) {
            b.dup3(preserved[i], 3 + i, 0);
        }
    }

    private static int[] waiterFds(int waitDirFd, int waiterFd) {
        int[] fds = new int[2];
        int n = 0;
        if (waitDirFd >= 0) {
            fds[n++] = waitDirFd;
        }
        if (waiterFd >= 0) {
            fds[n++] = waiterFd;
        }
        return java.util.Arrays.copyOf(fds, n);
    }

    /**
     * Signals the JVM ignores back to their default action in the init. {@code CLONE_CLEAR_SIGHAND}
     * resets the JVM's handlers but not what it ignores, and execve keeps ignored signals ignored:
     * a JVM started in the background of a shell (SIGINT and SIGQUIT ignored) would otherwise give
     * every container a {@code ^C} that does nothing. Read from {@code /proc/self/status}'s
     * {@code SigIgn} at each plan, since the JVM may change it; none ignored costs no step.
     */
    static void resetIgnoredSignals(Program.Builder b) {
        long ignored = 0;
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("SigIgn:")) {
                    ignored = Long.parseUnsignedLong(line.substring(7).strip(), 16);
                    break;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return; // no /proc: nothing known to reset
        }
        for (int sig = 1; sig <= 64; sig++) {
            if ((ignored & (1L << (sig - 1))) != 0) {
                b.step(dev.gatun.core.spawn.Step.of("rt_sigaction", new Arg.Value(sig, dev.gatun.core.linux.Flags.signal(sig)),
                        new Arg.Bytes(new byte[32], "&{SIG_DFL}"), Arg.nul(), Arg.of(8)));
            }
        }
    }

    /**
     * Whether the init of {@code spec} pauses before {@code pivot_root} for the createContainer
     * hooks: a stage the parent awaits, runs the hooks in, and releases, after the early pause
     * ({@link ContainerPlan#configureWaitingChild}) and before the "created" one.
     */
    public static boolean hasCreateContainerPause(Spec spec) {
        return spec.hooks() != null && !Absent.list(spec.hooks().createContainer()).isEmpty();
    }

    /** Whether the spec asks for a pseudo-terminal ({@code process.terminal}). */
    public static boolean wantsTerminal(Spec spec) {
        return spec.process() != null && Boolean.TRUE.equals(spec.process().terminal());
    }

    /**
     * Whether a spec that {@linkplain #wantsTerminal wants a terminal} gets one of the container's
     * own devpts ({@link ContainerConsole}: {@code ttyname(3)} inside names it, {@code /dev/console}
     * is it), as runc and crun give it: exactly when the spec creates a mount namespace (not joins
     * one) and {@linkplain RootfsPlan#hasOwnDevpts its /dev/pts is a devpts mount}; the default
     * builder and {@code runc spec} configs have both. Otherwise the terminal is a pty of the host's
     * devpts, opened by the parent, which works the same except that {@code ttyname(3)} inside
     * fails and there is no {@code /dev/console}.
     */
    public static boolean terminalInContainer(Spec spec) {
        Linux linux = spec.linux();
        boolean newMountNs = false;
        for (Linux.Namespace n : linux == null ? List.<Linux.Namespace>of() : Absent.list(linux.namespaces())) {
            newMountNs |= "mount".equals(n.type()) && (n.path() == null || n.path().isEmpty());
        }
        return wantsTerminal(spec) && newMountNs && RootfsPlan.hasOwnDevpts(spec);
    }

    /**
     * The stdio of a spec that {@linkplain #wantsTerminal wants a terminal}: one the container's
     * init makes when {@link #terminalInContainer}, otherwise a host pseudo-terminal of
     * {@code process.consoleSize} (the kernel's 0 x 0 when absent) opened here.
     *
     * @throws dev.gatun.oci.InvalidSpecException when the console size does not fit a window size
     */
    public static Stdio openTerminal(Spec spec) throws IOException {
        ProcessSpec.ConsoleSize size = spec.process().consoleSize();
        int rows = size == null ? 0 : windowSide("$.process.consoleSize.height", size.height());
        int cols = size == null ? 0 : windowSide("$.process.consoleSize.width", size.width());
        return terminalInContainer(spec) ? Stdio.terminalFromContainer() : Stdio.openTerminal(rows, cols);
    }

    /**
     * {@code value} as one side of a terminal's window size.
     *
     * @throws dev.gatun.oci.InvalidSpecException naming {@code path} unless it is in 0..65535
     */
    public static int windowSide(String path, Long value) {
        if (value == null || value < 0 || value > 0xFFFF) {
            throw Invalid.spec(path, Long.toUnsignedString(value == null ? 0 : value)
                    + " does not fit a terminal's window size (0..65535)");
        }
        return (int) (long) value;
    }

    /**
     * Mounting a proc needs CAP_SYS_ADMIN over the user namespace that owns the PID namespace it
     * shows. A new user namespace owns no PID namespace that existed before it, so with a joined or
     * shared PID namespace the kernel refuses the mount (EPERM, deep in the child): say so at once.
     */
    private static void refuseProcOfAnUnownedPidNamespace(Spec spec, Namespaces namespaces) {
        if (!namespaces.created().contains(NamespaceType.USER) || namespaces.created().contains(NamespaceType.PID)) {
            return;
        }
        List<dev.gatun.oci.Mount> mounts = Absent.list(spec.mounts());
        for (int i = 0; i < mounts.size(); i++) {
            if ("proc".equals(mounts.get(i).type())) {
                throw Invalid.spec("$.mounts[" + i + "]", "a proc at " + mounts.get(i).destination() + " would show "
                        + "a PID namespace (" + namespaces.mode(NamespaceType.PID) + ") that the new user namespace "
                        + "does not own, which the kernel refuses (EPERM); create the PID namespace too, join the "
                        + "user namespace that owns it, or bind-mount a /proc instead");
            }
        }
    }

    /** The namespace plan of {@code linux.namespaces}, with its id mappings and time offsets. */
    static Namespaces namespaces(Linux linux) {
        try {
            List<OciNamespace> entries = new ArrayList<>();
            for (Linux.Namespace n : Absent.list(linux.namespaces())) {
                entries.add(new OciNamespace(n.type(), n.path()));
            }
            Namespaces.Builder nb = OciNamespace.toBuilder(entries);
            if (!Absent.list(linux.uidMappings()).isEmpty() || !Absent.list(linux.gidMappings()).isEmpty()) {
                List<IdMapping> uids = idMappings(linux.uidMappings());
                List<IdMapping> gids = idMappings(linux.gidMappings());
                // OCI has no setgroups field: "deny" is needed exactly when an unprivileged
                // process maps its own gid; root and newgidmap with subordinate ids allow it
                SetGroups setgroups = dev.gatun.namespaces.IdMapper.forCurrentProcess().setgroupsFor(gids);
                nb.idMappings(new IdMappings(uids, gids, setgroups));
            }
            TimeOffsets offsets = TimeOffsets.NONE;
            for (Map.Entry<String, Linux.TimeOffset> t : Absent.map(linux.timeOffsets()).entrySet()) {
                offsets = offsets.withOci(t.getKey(), nz(t.getValue().secs()), nz(t.getValue().nanosecs()));
            }
            if (!offsets.isEmpty()) {
                nb.timeOffsets(offsets);
            }
            return nb.build();
        } catch (IOException e) {
            throw Invalid.spec("$.linux.gidMappings", "cannot read this process's ids: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            if (e instanceof dev.gatun.oci.InvalidSpecException ise) {
                throw ise;
            }
            throw Invalid.spec("$.linux.namespaces", e.getMessage(), e);
        }
    }

    static void appendIdentityAndSecurity(Program.Builder b, Spec spec, Linux linux, boolean newUserNs,
            boolean dieWithParent, Arena memory) throws IOException {
        ProcessSpec process = spec.process();
        long uid = process.user() != null && process.user().uid() != null ? process.user().uid() : 0;
        long gid = process.user() != null && process.user().gid() != null ? process.user().gid() : 0;
        List<Long> groups = process.user() != null ? Absent.list(process.user().additionalGids()) : List.of();

        CapabilitySets caps = capabilities(process.capabilities());
        CapabilityPlan capPlan = CapabilityPlan.of(caps, Capability.lastSupported(), uid != 0 || gid != 0);
        List<SecurityStep.Prlimit> rlimits = new ArrayList<>();
        List<ProcessSpec.Rlimit> limits = Absent.list(process.rlimits());
        for (int i = 0; i < limits.size(); i++) {
            ProcessSpec.Rlimit r = limits.get(i);
            try {
                rlimits.add(Rlimit.of(r.type()).prlimit(r.soft(), r.hard()));
            } catch (IllegalArgumentException e) {
                throw Invalid.spec("$.process.rlimits[" + i + "]", e.getMessage(), e);
            }
        }
        Optional<SeccompProgram> seccomp = Optional.empty();
        if (linux.seccomp() != null) {
            try {
                seccomp = Optional.of(SeccompCache.compile(linux.seccomp(), Arch.current()));
            } catch (IllegalArgumentException e) {
                if (e instanceof dev.gatun.oci.InvalidSpecException ise) {
                    throw ise;
                }
                throw Invalid.spec("$.linux.seccomp", e.getMessage(), e);
            }
        }
        SecurityPlan security = SecurityPlan.of(capPlan, rlimits, Boolean.TRUE.equals(process.noNewPrivileges()), seccomp);

        for (SecurityStep s : security.beforeUserChange()) {
            append(b, s, memory);
        }
        if (!groups.isEmpty()) {
            ByteBuffer list = ByteBuffer.allocate(4 * groups.size()).order(ByteOrder.nativeOrder());
            for (Long g : groups) {
                list.putInt((int) (long) g);
            }
            b.syscall("setgroups", Arg.of(groups.size()), new Arg.Bytes(list.array(), groups.toString()));
        } else if (!newUserNs) {
            // in a new user namespace setgroups may be denied (rootless): the group list is then
            // whatever the namespace started with, which the kernel already limits
            b.clearGroups();
        }
        b.setresgid((int) gid);
        b.setresuid((int) uid);
        if (dieWithParent) {
            // after the uid change: the kernel clears the parent-death signal when credentials change
            b.parentDeathSignal(SIGKILL);
        }
        for (SecurityStep s : security.afterUserChange()) {
            append(b, s, memory);
        }
    }

    /**
     * The capability sets of {@code process.capabilities}. An ambient capability that is not also
     * inheritable and permitted is left out with a warning, as runc does: the kernel would refuse
     * to raise it, and {@code runc spec} itself writes ambient capabilities without inheritable
     * ones (runc and crun have always run such configs, ignoring the failed raise).
     */
    static CapabilitySets capabilities(ProcessSpec.Capabilities c) {
        if (c == null) {
            return CapabilitySets.none();
        }
        try {
            Set<Capability> inheritable = caps(c.inheritable());
            Set<Capability> permitted = caps(c.permitted());
            Set<Capability> ambient = caps(c.ambient());
            Set<Capability> ignored = EnumSet.noneOf(Capability.class);
            for (Capability a : ambient) {
                if (!inheritable.contains(a) || !permitted.contains(a)) {
                    ignored.add(a);
                }
            }
            if (!ignored.isEmpty()) {
                LOG.warn("ambient capabilities {} are not both inheritable and permitted; they are left out, as runc does",
                        ignored);
                ambient.removeAll(ignored);
            }
            return new CapabilitySets(caps(c.bounding()), caps(c.effective()), permitted, inheritable, ambient);
        } catch (IllegalArgumentException e) {
            throw Invalid.spec("$.process.capabilities", e.getMessage(), e);
        }
    }

    private static Set<Capability> caps(List<String> names) {
        Set<Capability> set = EnumSet.noneOf(Capability.class);
        for (String n : Absent.list(names)) {
            set.add(Capability.of(n));
        }
        return set;
    }

    /** One security step as program steps. */
    private static void append(Program.Builder b, SecurityStep step, Arena memory) {
        switch (step) {
            case SecurityStep.Prctl p -> b.syscall("prctl", Arg.flags(p.option(), Flags.PRCTL), Arg.of(p.arg2()),
                    Arg.of(p.arg3()), Arg.of(p.arg4()), Arg.of(p.arg5()));
            case SecurityStep.Capset c -> b.syscall("capset", new Arg.Bytes(c.header(), "&{_LINUX_CAPABILITY_VERSION_3, 0}"),
                    new Arg.Bytes(c.data(), c.describe()));
            case SecurityStep.Prlimit p -> b.syscall("prlimit64", Arg.of(0), Arg.of(p.resource()),
                    new Arg.Bytes(p.rlimit64(), p.describe()), Arg.nul());
            case SecurityStep.SeccompLoad s -> {
                // struct sock_fprog { unsigned short len; struct sock_filter *filter; }: the filter
                // lives in this plan's memory, which the child (CLONE_VM) reads until exec
                byte[] filter = s.program().filter();
                MemorySegment f = memory.allocate(filter.length, 8);
                MemorySegment.copy(filter, 0, f, ValueLayout.JAVA_BYTE, 0, filter.length);
                ByteBuffer fprog = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
                fprog.putShort((short) s.program().instructions()).putShort((short) 0).putInt(0).putLong(f.address());
                b.syscall("seccomp", Arg.of(SeccompProgram.SECCOMP_SET_MODE_FILTER), Arg.of(s.program().flags()),
                        new Arg.Bytes(fprog.array(), "&{" + s.program().instructions() + " instructions}"));
            }
        }
    }

    /** Whether {@code mappings} give an id to {@code containerId}. */
    private static boolean mapsId(List<dev.gatun.oci.IdMapping> mappings, long containerId) {
        for (dev.gatun.oci.IdMapping m : Absent.list(mappings)) {
            if (m.containerID() <= containerId && containerId < m.containerID() + m.size()) {
                return true;
            }
        }
        return false;
    }

    private static boolean mapsGid(Linux linux, long gid) {
        return mapsId(linux.gidMappings(), gid);
    }

    private static List<IdMapping> idMappings(List<dev.gatun.oci.IdMapping> oci) {
        List<IdMapping> out = new ArrayList<>();
        for (dev.gatun.oci.IdMapping m : Absent.list(oci)) {
            out.add(new IdMapping(m.containerID(), m.hostID(), m.size()));
        }
        return out;
    }

    private static long nz(Long v) {
        return v == null ? 0 : v;
    }
}
