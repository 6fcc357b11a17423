package dev.gatun.core;

import dev.gatun.core.io.Stdio;
import dev.gatun.core.plan.ContainerPlan;
import dev.gatun.core.plan.ContainerPlanner;
import dev.gatun.core.plan.ExecPlanner;
import dev.gatun.core.spawn.SpawnedProcess;
import dev.gatun.core.spawn.Spawner;
import dev.gatun.oci.OciSpecs;
import dev.gatun.oci.ProcessSpec;
import dev.gatun.oci.Spec;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A process to start in a running container, beside its init ({@code runc exec}, {@code podman
 * exec}): {@code container.execBuilder("sh", "-c", "ls /").start()}, or in one call
 * {@link Container#exec(String...)}.
 *
 * <p>What it runs as starts from the container's own process ({@code process} of its spec): the
 * same user, environment, working directory, capabilities, rlimits and {@code noNewPrivileges}
 * (with the container's seccomp filter always), and each setter here changes one of them, as
 * runc's {@code exec} flags do; {@link #process(ProcessSpec)} replaces all of it. The process
 * joins every namespace of the container's init and its cgroup (see {@link ExecPlanner} for how,
 * and why the JVM's memory is never open to the container meanwhile). It ends with the container:
 * the container's PID namespace and cgroup take it down with the init.
 *
 * <p>Stdio: pipes by default, read through the returned {@link ContainerProcess}'s streams, as
 * for a {@link ProcessBuilder}; {@link #terminal(boolean)} gives it a pseudo-terminal instead.
 * Not thread-safe; the started process is.
 */
public final class ContainerExec {

    private final String containerId;
    private final Container container;
    private final long initPid;
    private final BooleanSupplier initAlive;
    private final Spec spec;
    private final Collection<Path> cgroupDirectories;
    private final boolean dieWithJvm;
    private final Consumer<Stdio> onStart;
    private ProcessSpec.Builder process;
    private Redirect stdin = Redirect.PIPE;
    private Redirect stdout = Redirect.PIPE;
    private Redirect stderr = Redirect.PIPE;
    private boolean redirectErrorStream;
    private Path consoleSocket;
    private String hookPath;
    private int preserveFds;

    private ContainerExec(String containerId, Container container, long initPid, BooleanSupplier initAlive, Spec spec,
            Collection<Path> cgroupDirectories, boolean dieWithJvm, Consumer<Stdio> onStart) {
        this.containerId = containerId;
        this.container = container;
        this.initPid = initPid;
        this.initAlive = initAlive;
        this.spec = spec;
        this.cgroupDirectories = List.copyOf(cgroupDirectories);
        this.dieWithJvm = dieWithJvm;
        this.onStart = onStart;
        ProcessSpec base = spec.process() != null ? spec.process() : ProcessSpec.builder().build();
        // the container's terminal and console size are its init's: an exec asks for its own
        this.process = base.toBuilder().terminal(null).consoleSize(null);
    }

    /** An exec into {@code container}, which this JVM runs. */
    static ContainerExec of(Container container, long initPid, BooleanSupplier initAlive, Collection<Path> cgroups,
            boolean dieWithJvm, Consumer<Stdio> onStart) {
        return new ContainerExec(container.id(), container, initPid, initAlive, container.spec(), cgroups, dieWithJvm,
                onStart);
    }

    /**
     * An exec into a container that another process created and that outlives it (the
     * {@code gatun} command line's containers, known by their state): its init by pid and start
     * time (so that a reused pid is never joined), its spec, its cgroup directories. The process
     * does not die with this JVM.
     *
     * @param startTime the init's start time, field 22 of {@code /proc/<pid>/stat}
     */
    public static ContainerExec intoDetached(String containerId, long initPid, long startTime, Spec spec,
            Collection<Path> cgroupDirectories) {
        Objects.requireNonNull(spec, "spec");
        BooleanSupplier alive = () -> {
            try {
                return DetachedInit.sameProcess(initPid, startTime);
            } catch (IOException e) {
                return false;
            }
        };
        return new ContainerExec(containerId, null, initPid, alive, spec, cgroupDirectories, false, s -> { });
    }

    /** The command and its arguments; a name without a slash is looked up on {@code PATH} inside the container. */
    public ContainerExec command(String... command) {
        return command(List.of(command));
    }

    /** The command and its arguments. */
    public ContainerExec command(List<String> command) {
        process.args(List.copyOf(command));
        return this;
    }

    /** Sets one environment variable ({@code NAME=value}), replacing one of that name. */
    public ContainerExec env(String name, String value) {
        if (name.isEmpty() || name.contains("=")) {
            throw new IllegalArgumentException("env: \"" + name + "\" is not a variable name");
        }
        List<String> env = new ArrayList<>();
        List<String> current = process.build().env();
        for (String e : current == null ? List.<String>of() : current) {
            if (!e.startsWith(name + "=")) {
                env.add(e);
            }
        }
        env.add(name + "=" + value);
        process.env(env);
        return this;
    }

    /** The uid and gid to run as, in the container's user namespace; the supplementary groups are cleared. */
    public ContainerExec user(long uid, long gid) {
        ProcessSpec.User old = process.build().user();
        process.user(new ProcessSpec.User(uid, gid, old == null ? null : old.umask(), null, null));
        return this;
    }

    /** The working directory inside the container (absolute). */
    public ContainerExec workingDirectory(String cwd) {
        process.cwd(cwd);
        return this;
    }

    /** Whether the process gets a pseudo-terminal as its stdin, stdout and stderr (merged). */
    public ContainerExec terminal(boolean terminal) {
        process.terminal(terminal);
        return this;
    }

    /** The whole OCI process to run ({@code runc exec --process}), replacing the container's. */
    public ContainerExec process(ProcessSpec processSpec) {
        this.process = processSpec.toBuilder();
        return this;
    }

    /** The OCI process that {@link #start()} runs, as set so far. */
    public ProcessSpec processSpec() {
        return process.build();
    }

    /** Where stdin comes from ({@link Redirect#PIPE} by default). */
    public ContainerExec redirectInput(Redirect redirect) {
        this.stdin = Objects.requireNonNull(redirect);
        return this;
    }

    /** Where stdout goes ({@link Redirect#PIPE} by default). */
    public ContainerExec redirectOutput(Redirect redirect) {
        this.stdout = Objects.requireNonNull(redirect);
        return this;
    }

    /** Where stderr goes ({@link Redirect#PIPE} by default). */
    public ContainerExec redirectError(Redirect redirect) {
        this.stderr = Objects.requireNonNull(redirect);
        return this;
    }

    /** Whether stderr goes where stdout goes. */
    public ContainerExec redirectErrorStream(boolean merge) {
        this.redirectErrorStream = merge;
        return this;
    }

    /**
     * Sends the terminal's master to this unix socket ({@code SCM_RIGHTS}, conmon's console
     * socket protocol) once the process runs, instead of keeping it: the returned process's
     * streams are then empty. Only with {@link #terminal(boolean) a terminal}.
     */
    public ContainerExec consoleSocket(Path socket) {
        this.consoleSocket = Objects.requireNonNull(socket);
        return this;
    }

    /**
     * Makes this an OCI hook in the container's namespaces ({@link HookRunner}): {@code path}
     * exec'd with the process's args as its argv, with the runtime's credentials.
     */
    ContainerExec asHook(String path) {
        this.hookPath = path;
        return this;
    }

    /**
     * Passes this JVM's fds 3 to {@code 3 + n - 1} to the process at the same numbers, as
     * {@code runc exec --preserve-fds n} (a runtime's caller hands them over that way).
     */
    public ContainerExec preserveFds(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("preserveFds: " + n + " is negative");
        }
        this.preserveFds = n;
        return this;
    }

    /** The JVM's own stdin, stdout and stderr. */
    public ContainerExec inheritIO() {
        return redirectInput(Redirect.INHERIT).redirectOutput(Redirect.INHERIT).redirectError(Redirect.INHERIT);
    }

    /**
     * Starts the process; returns once it has exec'd its command.
     *
     * @throws dev.gatun.oci.InvalidSpecException naming the field of a process that cannot run
     *     (no command, a relative working directory, a capability that does not exist)
     * @throws IOException when the container's init is gone, or a step failed: the exception names
     *     the syscall (a command not found inside is an {@code execve} that failed with ENOENT)
     */
    public ContainerProcess start() throws IOException {
        Started s = launch(true);
        return new ContainerProcess(container, containerId, s.process(), s.stdio(),
                ProcessHandle.of(s.process().pid()).orElse(null));
    }

    /**
     * Starts the process and leaves it to whoever inherits it when this JVM exits: this JVM never
     * reaps it, so its exit status goes to that process (the nearest subreaper, such as conmon,
     * which waits for the pid a {@code runc exec -d} writes), and until then an exited process
     * stays a zombie. For command-line runtimes that exit at once; a long-lived JVM wants
     * {@link #start()}.
     *
     * @return the process's pid on the host
     */
    public long startDetached() throws IOException {
        Started s = launch(false);
        s.process().releasePidfd();
        s.stdio().close();
        return s.process().pid();
    }

    private record Started(SpawnedProcess process, Stdio stdio) {}

    private Started launch(boolean reap) throws IOException {
        ProcessSpec p = process.build();
        OciSpecs.requireValid(spec.toBuilder().process(p).build());
        if (consoleSocket != null && !Boolean.TRUE.equals(p.terminal())) {
            throw new IllegalArgumentException("a console socket (" + consoleSocket + ") is for a process with a terminal");
        }
        Stdio stdio = Boolean.TRUE.equals(p.terminal())
                ? Stdio.openTerminal(consoleSide(p, true), consoleSide(p, false))
                : Stdio.open(stdin, stdout, stderr, redirectErrorStream);
        try {
            SpawnedProcess spawned;
            try (ContainerPlan plan = ExecPlanner.plan(initPid, spec, p, cgroupDirectories, stdio, dieWithJvm,
                    initAlive, hookPath, preserveFds)) {
                spawned = reap ? Spawner.get().spawn(plan.program(), plan.options())
                        : Spawner.get().spawnUnreaped(plan.program(), plan.options());
            }
            stdio.closeChildEnds();
            try {
                Container.applyOomScoreAdj(spawned, p.oomScoreAdj());
                if (consoleSocket != null) {
                    dev.gatun.core.io.ConsoleSocket.send(consoleSocket, stdio.terminalMaster());
                    stdio.close();
                }
            } catch (IOException | RuntimeException e) {
                spawned.kill();
                throw e;
            }
            onStart.accept(stdio);
            return new Started(spawned, stdio);
        } catch (IOException | RuntimeException e) {
            try {
                stdio.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof dev.gatun.core.spawn.StepFailedException f) {
                throw explain(f, p);
            }
            throw e;
        }
    }

    /** A failed step, with what it means for an exec put first. */
    private IOException explain(dev.gatun.core.spawn.StepFailedException f, ProcessSpec p) {
        String what = f.getMessage().startsWith("execve") && f.getMessage().contains("ENOENT")
                ? "exec into container " + containerId + ": " + p.args().getFirst() + ": not found in the container"
                        + (p.args().getFirst().contains("/") ? "" : " on PATH")
                : "exec into container " + containerId + " failed";
        return new IOException(what + ": " + f.getMessage(), f);
    }

    private static int consoleSide(ProcessSpec p, boolean rows) {
        if (p.consoleSize() == null) {
            return 0;
        }
        return ContainerPlanner.windowSide(rows ? "$.process.consoleSize.height" : "$.process.consoleSize.width",
                rows ? p.consoleSize().height() : p.consoleSize().width());
    }
}
