package dev.gatun.core.plan;

import dev.gatun.core.io.PtyCalls;
import dev.gatun.core.io.Stdio;
import dev.gatun.core.linux.Errno;
import dev.gatun.core.linux.LibC;
import dev.gatun.core.ns.NamespaceSetup;
import dev.gatun.core.spawn.Arg;
import dev.gatun.core.spawn.Program;
import dev.gatun.core.spawn.SpawnOptions;
import dev.gatun.core.spawn.Step;
import dev.gatun.namespaces.NamespaceMode;
import dev.gatun.namespaces.NamespaceType;
import dev.gatun.namespaces.Namespaces;
import dev.gatun.oci.Linux;
import dev.gatun.oci.ProcessSpec;
import dev.gatun.oci.Spec;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Plans a process that joins a running container ({@code runc exec}): the program of a child that
 * enters the namespaces of the container's init, its cgroup, and then takes the identity and the
 * security of the process spec it is given (the container's seccomp filter, the process's
 * capabilities, {@code no_new_privs}, rlimits, user), changes to its working directory and execs
 * its command, found on its {@code PATH} inside the container.
 *
 * <p>What the child joins: every namespace whose {@code /proc/<init>/ns/*} differs from the JVM's
 * own, in runc's order (user first); the PID namespace by being born in it (the spawner thread's
 * visit around the clone), or, for a caller without {@code CAP_SYS_ADMIN} (a rootless JVM), by a
 * fork after it joined the container's user namespace. The cgroup: on a pure v2 hierarchy the
 * clone itself places the child ({@code CLONE_INTO_CGROUP}); otherwise the child writes its own
 * {@code cgroup.procs} in each directory before it joins anything, while the host's cgroupfs is
 * still its view.
 *
 * <p>The JVM's memory: until exec the child is a {@code CLONE_VM} child of the JVM inside the
 * container's PID namespace, where the container's processes can see it. The spawner makes the
 * JVM's memory non-dumpable before such a clone and dumpable again once the child has exec'd
 * ({@code Dumpable}), so no process of the container can open {@code /proc/<pid>/mem},
 * {@code /exe}, {@code /fd} or {@code /root} of the child, nor ptrace it, however the child's
 * credentials change meanwhile.
 *
 * <p>The command: a name without a slash is looked up on the process's {@code PATH} (runc's default
 * when its environment has none) inside the container, by the child itself: one {@code execve} per
 * directory, each allowing ENOENT but the last, as {@code execvp(3)} does. Nothing of the
 * container's filesystem is read from the host.
 *
 * <p>A terminal is a pseudo-terminal of the host's devpts ({@code Stdio.openTerminal}): the child
 * makes a new session and takes it as its controlling terminal. Unlike the init's terminal it is
 * not of the container's devpts, so {@code ttyname(3)} inside does not name it.
 */
public final class ExecPlanner {

    private ExecPlanner() {}

    /**
     * The namespaces of process {@code initPid} that differ from this JVM's, as joins of its
     * {@code /proc/<pid>/ns} files (the others shared).
     *
     * @throws IOException when the process is gone (naming it) or its namespace files cannot be read
     */
    public static Namespaces namespacesOf(long initPid) throws IOException {
        Namespaces.Builder b = Namespaces.builder();
        for (NamespaceType type : NamespaceType.values()) {
            Path ours = Path.of("/proc/self/ns", type.procName());
            if (!Files.exists(ours)) {
                continue; // this kernel has no such namespace (time before 5.6)
            }
            Path theirs = type.procPath(initPid);
            String link;
            try {
                link = Files.readSymbolicLink(theirs).toString();
            } catch (NoSuchFileException e) {
                throw new IOException("the container's init " + initPid + " is gone: nothing to exec into", e);
            }
            if (!link.equals(Files.readSymbolicLink(ours).toString())) {
                b.join(type, theirs);
            }
        }
        return b.build();
    }

    /**
     * The plan of one exec into the running container whose init is {@code initPid}.
     *
     * @param initPid the container's init, on the host
     * @param container the container's spec (its seccomp filter applies to the new process too)
     * @param process what to run, and as whom (runc exec: the container's process with the
     *     command line's changes)
     * @param cgroupDirectories the container's cgroup directories (empty: none)
     * @param stdio the new process's stdio; a terminal must be of the host ({@link Stdio#openTerminal})
     * @param dieWithParent whether the process gets SIGKILL when the JVM's spawner thread dies
     * @param initAlive asked once the namespace files are open: whether they are still the init's
     *     (its pid not reused meanwhile)
     * @throws dev.gatun.oci.InvalidSpecException naming the process field at fault
     * @throws UnsupportedOperationException for a container this engine cannot join (a time namespace)
     * @throws IOException when the init is gone or a namespace or cgroup cannot be opened
     */
    public static ContainerPlan plan(long initPid, Spec container, ProcessSpec process,
            Collection<Path> cgroupDirectories, Stdio stdio, boolean dieWithParent, BooleanSupplier initAlive)
            throws IOException {
        return plan(initPid, container, process, cgroupDirectories, stdio, dieWithParent, initAlive, null, 0);
    }

    /**
     * As {@link #plan(long, Spec, ProcessSpec, Collection, Stdio, boolean, BooleanSupplier)};
     * with a {@code hookPath}, the process is an OCI hook run in the container's namespaces
     * ({@code createContainer}, {@code startContainer}): {@code hookPath} is exec'd as is with
     * {@code process.args} as its argv, and the process keeps the runtime's credentials (no user
     * switch, no capability drop, no seccomp filter, no rlimits), as in runc: it only joins.
     */
    public static ContainerPlan plan(long initPid, Spec container, ProcessSpec process,
            Collection<Path> cgroupDirectories, Stdio stdio, boolean dieWithParent, BooleanSupplier initAlive,
            String hookPath) throws IOException {
        return plan(initPid, container, process, cgroupDirectories, stdio, dieWithParent, initAlive, hookPath, 0);
    }

    /**
     * As above, passing this process's fds 3 to {@code 3 + preserveFds - 1} to the new process
     * at the same numbers ({@code runc exec --preserve-fds}).
     */
    public static ContainerPlan plan(long initPid, Spec container, ProcessSpec process,
            Collection<Path> cgroupDirectories, Stdio stdio, boolean dieWithParent, BooleanSupplier initAlive,
            String hookPath, int preserveFds) throws IOException {
        if (preserveFds < 0) {
            throw new IllegalArgumentException("preserveFds: " + preserveFds + " is negative");
        }
        boolean asHook = hookPath != null;
        if (process == null || Absent.list(process.args()).isEmpty()) {
            throw Invalid.spec("$.process.args", "exec needs a command to run");
        }
        if (process.cwd() != null && !process.cwd().startsWith("/")) {
            throw Invalid.spec("$.process.cwd", "\"" + process.cwd() + "\" is not an absolute path");
        }
        if (stdio.isTerminalFromContainer()) {
            throw new IllegalArgumentException("an exec's terminal is a pty of the host (Stdio.openTerminal)");
        }
        Spec spec = container.toBuilder().process(process).build();
        ProcLinks.refuse(spec, "$.process.cwd", process.cwd());
        ProcLinks.refuse(spec, "$.process.args[0]", process.args().getFirst());
        Linux linux = container.linux() != null ? container.linux() : Linux.builder().build();
        Namespaces namespaces = namespacesOf(initPid);
        boolean joinsUser = namespaces.mode(NamespaceType.USER) instanceof NamespaceMode.Join;
        NamespaceSetup ns = NamespaceSetup.prepare(namespaces);
        // the seccomp filter's memory, read by the child until exec
        Arena memory = Arena.ofAuto();
        int cgroupFd = -1;
        try {
            // the namespace fds are open: if the init still lives, they are its namespaces
            if (!initAlive.getAsBoolean()) {
                throw new IOException("the container's init " + initPid + " is gone: nothing to exec into");
            }
            Program.Builder b = Program.builder().ownFdTable();
            int[] preserved = ContainerPlanner.preserveFdSteps(b, preserveFds);
            for (int stream = 0; stream < 3; stream++) {
                b.stdio(stream, stdio.childFd(stream));
            }
            SpawnOptions options = ns.spawnOptions(SpawnOptions.defaults());
            List<Path> dirs = new ArrayList<>(new LinkedHashSet<>(cgroupDirectories));
            if (dirs.size() == 1 && Files.exists(dirs.getFirst().resolve("cgroup.controllers"))) {
                // pure v2: born in the container's cgroup, never a moment in the JVM's
                cgroupFd = LibC.openat(LibC.AT_FDCWD, dirs.getFirst().toString(),
                        LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
                options = options.cgroupFd(cgroupFd);
            } else {
                // v1 (and a hybrid host's unified leaf): before the joins, through the host's cgroupfs
                for (Path dir : dirs) {
                    b.writeFile(dir.resolve("cgroup.procs").toString(), "0");
                }
            }
            ns.appendChildSteps(b);
            if (joinsUser && mapsRoot(initPid, "uid_map") && mapsRoot(initPid, "gid_map")) {
                // the JVM's ids may be unmapped in the container's user namespace: become its root
                // first, as the init did, so that what the child does before the user switch is owned
                b.setresgid(0);
                b.setresuid(0);
            }
            if (stdio.isTerminal()) {
                // a session of its own, with the pty slave (already on 0, 1, 2) as its terminal
                b.setsid();
                b.syscall("ioctl", Arg.of(0), new Arg.Value(PtyCalls.TIOCSCTTY, "TIOCSCTTY"), Arg.of(0));
            }
            if (!asHook) {
                ContainerPlanner.appendIdentityAndSecurity(b, spec, linux, joinsUser, dieWithParent, memory);
            }
            if (process.user() != null && process.user().umask() != null) {
                b.syscall("umask", Arg.mode((int) (long) process.user().umask()));
            }
            b.closeRangeCloexec(3);
            b.chdir(process.cwd() != null ? process.cwd() : "/");
            ContainerPlanner.resetIgnoredSignals(b);
            b.unblockSignals();
            ContainerPlanner.movePreservedFds(b, preserved);
            if (asHook) {
                b.execve(hookPath, process.args(), Absent.list(process.env()));
            } else {
                appendExecvp(b, process.args(), Absent.list(process.env()));
            }
            return new ContainerPlan(b.build(), options, ns, null, null, memory, List.of(), cgroupFd, -1, null);
        } catch (IOException | RuntimeException e) {
            try {
                ns.close();
                if (cgroupFd >= 0) {
                    LibC.close(cgroupFd);
                }
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * {@code execvp(3)} as steps: a command with a slash is exec'd as is; otherwise once per
     * directory of the environment's {@code PATH}, each but the last allowing ENOENT (and the
     * empty entries of {@code PATH} standing for the working directory, as in the shell).
     */
    static void appendExecvp(Program.Builder b, List<String> args, List<String> env) {
        String command = args.getFirst();
        if (command.contains("/")) {
            b.execve(command, args, env);
            return;
        }
        String path = CommandResolver.DEFAULT_PATH;
        for (String e : env) {
            if (e.startsWith("PATH=")) {
                path = e.substring(5);
            }
        }
        String[] dirs = path.split(":", -1);
        // one argv and one envp for all the tries: the image lays out an argument once
        Arg argv = new Arg.Strings(args);
        Arg envp = new Arg.Strings(env);
        for (int i = 0; i < dirs.length; i++) {
            String dir = dirs[i].isEmpty() ? "." : dirs[i];
            Step execve = Step.of("execve", new Arg.Text(dir + "/" + command), argv, envp);
            b.step(i < dirs.length - 1 ? execve.allowing(Errno.ENOENT) : execve);
        }
    }

    /** Whether {@code /proc/<pid>/<file>} (uid_map or gid_map) maps the namespace's id 0. */
    private static boolean mapsRoot(long pid, String file) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), file))) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 3 && Long.parseLong(f[0]) == 0 && Long.parseLong(f[2]) > 0) {
                return true;
            }
        }
        return false;
    }
}
