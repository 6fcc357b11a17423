package dev.gatun.core.ns;

import dev.gatun.core.linux.Flags;
import dev.gatun.core.linux.LibC;
import dev.gatun.core.spawn.Arg;
import dev.gatun.core.spawn.Handshake;
import dev.gatun.core.spawn.Program;
import dev.gatun.core.spawn.SpawnOptions;
import dev.gatun.namespaces.Caller;
import dev.gatun.namespaces.IdMapper;
import dev.gatun.namespaces.NamespaceMode;
import dev.gatun.namespaces.NamespaceStep;
import dev.gatun.namespaces.NamespaceType;
import dev.gatun.namespaces.Namespaces;
import dev.gatun.namespaces.UserNamespaces;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * Turns a {@link Namespaces} plan into what one spawn needs: the {@code CLONE_NEW*} flags for
 * the clone, the namespace files to join opened in the parent beforehand, the child's namespace
 * steps in the plan's order, and the parent's part while the child waits (uid/gid maps, time
 * offsets).
 *
 * <p>Use, for one spawn:
 * <pre>{@code
 * try (NamespaceSetup ns = NamespaceSetup.prepare(namespaces)) {        // checks, opens join fds
 *     Program.Builder b = Program.builder();
 *     ns.appendChildSteps(b);                                           // first: setns, unshare, wait, fork
 *     ...rootfs, security, user switch, execve...
 *     SpawnOptions options = ns.spawnOptions(SpawnOptions.defaults());  // adds the clone flags
 *     if (ns.requiresHandshake()) {
 *         try (Handshake h = Spawner.get().start(b.build(), options)) {
 *             ns.configureWaitingChild(h);                              // awaits the stage, writes maps, offsets
 *             h.release();
 *             SpawnedProcess p = h.awaitExec();
 *         }
 *     } else {
 *         SpawnedProcess p = Spawner.get().spawn(b.build(), options);   // a fork step needs this path
 *     }
 * }                                                                      // closes the join fds
 * }</pre>
 *
 * <p>The child steps come first in a program: after them the child is in all its namespaces (a
 * PID namespace unshared by the child only in the task after the fork step, which is then the
 * spawned process), with full capabilities in a new user namespace whose maps are written — but
 * still with the parent's uid and gid. Switching to the container's user ({@code setresgid},
 * {@code setresuid}) is the caller's business, as are hostname, mounts and bringing up
 * {@code lo} ({@link Loopback#appendUp}).
 *
 * <p>Joins: every path is opened {@code O_RDONLY|O_CLOEXEC} in {@link #prepare}, before the clone
 * (the child's later joins could make a path resolve elsewhere), and the child calls
 * {@code setns(fd, CLONE_NEW*)} on the inherited fd. A path, not a pidfd, even for
 * {@code /proc/<pid>/ns/*}: the plan knows the process only by number, so {@code pidfd_open}
 * would have the same pid-reuse window as the open, while an open namespace fd pins the very
 * namespace until the child joins it ({@code setns(pidfd)} would resolve it only then).
 *
 * <p>A joined PID namespace is the exception: the child is born in it. Its fd goes into
 * {@link #spawnOptions} as {@link SpawnOptions#pidNamespaceFd()}, and the spawner thread, not the
 * child, calls {@code setns(fd, CLONE_NEWPID)} around the clone (which changes only that thread's
 * {@code pid_for_children}). So the plan the child runs is {@code namespaces} with the PID
 * namespace shared — no fork step, no grandchild, and it works in a handshake spawn, which
 * {@code Container} always uses. The clone then carries no {@code CLONE_NEWPID}, and may carry
 * {@code CLONE_NEWUSER}: the kernel lets a child be born into a PID namespace owned by an ancestor
 * of its new user namespace (its root then has no {@code CAP_SYS_ADMIN} over that PID namespace:
 * it cannot mount a {@code proc} of it). It needs {@code CAP_SYS_ADMIN} in the JVM's user namespace;
 * a caller without it who joins the user namespace too keeps the old way — the child joins the
 * user namespace, then the PID namespace, then forks — which only {@code Spawner.spawn} runs.
 *
 * <p>What it refuses, with {@link UnsupportedOperationException}, because the spawn engine cannot
 * do it yet: joining a time namespace (the kernel requires a child that shares no memory, and
 * every spawn is {@code CLONE_VM}); a plan that needs both the parent's help while the child
 * waits and a fork step (a new user namespace or time offsets, together with a new PID namespace
 * created alongside joins, or time offsets with a PID namespace joined after a user namespace
 * without {@code CAP_SYS_ADMIN}): {@code Spawner.start} does not run fork steps. It also fails
 * early, before anything is opened, when user namespaces are not available here
 * ({@link UserNamespaces#unavailabilityCause()}), when the caller may not create these namespaces
 * ({@link Namespaces#checkPermitted(Caller)}) or may not map the ids ({@link IdMapper#plan}).
 *
 * <p>A setup holds open fds until {@link #close()}. The child gets its own copy of the fd table at
 * the clone (no {@code CLONE_FILES}), so the parent may close the setup as soon as the spawn call
 * has returned; closing it once the child has exec'd or failed is the simple rule. The steps it
 * appends name those fds, so a program built with them is good for this setup only, and a setup
 * serves one spawn.
 * Not thread-safe: one spawn, one thread.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/setns.2.html">setns(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/unshare.2.html">unshare(2)</a>
 */
public final class NamespaceSetup implements AutoCloseable {

    private final Namespaces namespaces;
    private final Namespaces childPart;
    private final IdMapper mapper;
    private final IdMapper.Plan idPlan;
    private final Map<NamespaceType, Integer> joinFds;
    private boolean closed;

    private NamespaceSetup(Namespaces namespaces, Namespaces childPart, IdMapper mapper, IdMapper.Plan idPlan,
                           Map<NamespaceType, Integer> joinFds) {
        this.namespaces = namespaces;
        this.childPart = childPart;
        this.mapper = mapper;
        this.idPlan = idPlan;
        this.joinFds = joinFds;
    }

    /**
     * Checks {@code namespaces} for this process and opens the namespaces to join, with an
     * {@link IdMapper#forCurrentProcess() IdMapper for this process} when the plan maps ids.
     *
     * @throws UnsupportedOperationException for a plan the spawn engine cannot run (see above)
     * @throws IllegalStateException when user namespaces are unavailable, with what is missing
     *     and how to enable it
     * @throws dev.gatun.namespaces.NamespaceConfigException when the caller may not create these
     *     namespaces or map these ids
     * @throws IOException when a namespace file cannot be opened (naming it), or
     *     {@code /etc/subuid} cannot be read
     */
    public static NamespaceSetup prepare(Namespaces namespaces) throws IOException {
        return prepare(namespaces, namespaces.idMappings().isPresent() ? IdMapper.forCurrentProcess() : null);
    }

    /**
     * As {@link #prepare(Namespaces)}, writing the maps with {@code mapper}, which may be null
     * when the plan maps no ids.
     */
    public static NamespaceSetup prepare(Namespaces namespaces, IdMapper mapper) throws IOException {
        Objects.requireNonNull(namespaces, "namespaces");
        Caller caller = Caller.current();
        Namespaces childPart = childPart(namespaces, caller.capSysAdmin());
        checkSupported(childPart);
        if (namespaces.created().contains(NamespaceType.USER)) {
            UserNamespaces.ensureAvailable();
        }
        namespaces.checkPermitted(caller);
        IdMapper.Plan idPlan = null;
        if (namespaces.idMappings().isPresent()) {
            Objects.requireNonNull(mapper, "mapper (the plan maps ids)");
            idPlan = mapper.plan(namespaces.idMappings().get());
        }
        Map<NamespaceType, Integer> fds = new EnumMap<>(NamespaceType.class);
        try {
            // every join of the whole plan, the spawner thread's PID join too, before the clone
            for (NamespaceStep step : namespaces.steps()) {
                if (step instanceof NamespaceStep.Join(NamespaceType type, Path path)) {
                    fds.put(type, LibC.openat(LibC.AT_FDCWD, path.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC, 0));
                }
            }
        } catch (IOException | RuntimeException e) {
            closeAll(fds.values(), e);
            throw e;
        }
        return new NamespaceSetup(namespaces, childPart, mapper, idPlan, fds);
    }

    /**
     * What the child does of {@code namespaces}: all of it, except a PID namespace join that the
     * spawner thread makes (then shared here). The spawner thread needs {@code CAP_SYS_ADMIN} in
     * the JVM's user namespace for it; a caller without it can join a PID namespace only from a
     * child that has joined its user namespace first, so that join stays the child's.
     */
    static Namespaces childPart(Namespaces namespaces, boolean callerHasCapSysAdmin) {
        boolean pidJoined = namespaces.mode(NamespaceType.PID) instanceof NamespaceMode.Join;
        boolean userJoined = namespaces.mode(NamespaceType.USER) instanceof NamespaceMode.Join;
        if (!pidJoined || (userJoined && !callerHasCapSysAdmin)) {
            return namespaces;
        }
        return namespaces.toBuilder().share(NamespaceType.PID).build();
    }

    static void checkSupported(Namespaces namespaces) {
        if (namespaces.requiresPrivateMemory()) {
            throw new UnsupportedOperationException("joining a time namespace (" + namespaces.joined()
                    .get(NamespaceType.TIME) + ") is not supported yet: the kernel lets only a process that shares "
                    + "its memory with no other join one (EUSERS), and every spawn is a CLONE_VM child of the JVM");
        }
        if (namespaces.requiresFork() && namespaces.requiresParentSync()) {
            throw new UnsupportedOperationException("these namespaces (" + namespaces + ") need both a pause in which "
                    + "the parent writes uid/gid maps or time offsets and a fork into a PID namespace unshared after "
                    + "joins (or joined after a user namespace, without CAP_SYS_ADMIN); the spawn engine does not run "
                    + "a fork step in a handshake spawn yet. Create the PID namespace without joining other namespaces, "
                    + "join it, or share it");
        }
    }

    /** The plan this setup makes. */
    public Namespaces namespaces() {
        return namespaces;
    }

    /**
     * {@code base} with this plan's clone flags added to its {@link SpawnOptions#namespaces()},
     * and the PID namespace to be born in as its {@link SpawnOptions#pidNamespaceFd()} when the
     * spawner thread joins it (see above).
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public SpawnOptions spawnOptions(SpawnOptions base) {
        ensureOpen();
        SpawnOptions options = base.namespaces(base.namespaces() | childPart.cloneFlags());
        if (joinsPidNamespaceAtClone()) {
            options = options.pidNamespaceFd(joinFds.get(NamespaceType.PID));
        }
        return options;
    }

    /**
     * Whether the child is born in the joined PID namespace: the spawner thread joins it around
     * the clone ({@link SpawnOptions#pidNamespaceFd()}), and no fork step is needed for it.
     */
    public boolean joinsPidNamespaceAtClone() {
        return childPart != namespaces;
    }

    /**
     * Whether the spawn must be a {@link Handshake} ({@code Spawner.start}): the child waits for
     * {@link #configureWaitingChild(Handshake)}.
     */
    public boolean requiresHandshake() {
        return childPart.requiresParentSync();
    }

    /**
     * Whether the child steps end in a fork step (to enter a PID namespace it unshared, or joined
     * after a user namespace), so the spawn must be {@code Spawner.spawn}; the spawned process is
     * then the grandchild.
     */
    public boolean requiresFork() {
        return childPart.requiresFork();
    }

    /**
     * Appends the child's namespace steps to {@code b}, in the plan's order, and returns it:
     * {@code setns(fd, CLONE_NEW*)} per namespace the child joins (not a PID namespace
     * {@linkplain #joinsPidNamespaceAtClone() joined at the clone}), {@code unshare(flags)}, at the
     * plan's wait point {@code notifyParent} then {@code awaitParent}, and the fork step.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public Program.Builder appendChildSteps(Program.Builder b) {
        ensureOpen();
        for (NamespaceStep step : childPart.steps()) {
            switch (step) {
                case NamespaceStep.Join(NamespaceType type, Path path) -> {
                    int fd = b.inherit(joinFds.get(type));
                    b.syscall("setns", new Arg.Value(fd, fd + "<" + path + ">"),
                            Arg.flags(type.cloneFlag(), Flags.CLONE));
                }
                case NamespaceStep.Unshare u -> b.syscall("unshare", Arg.flags(u.flags(), Flags.CLONE));
                case NamespaceStep.AwaitParent a -> b.notifyParent().awaitParent();
                case NamespaceStep.Fork f -> b.fork();
            }
        }
        return b;
    }

    /**
     * The parent's part at the wait point: waits until the child reports it
     * ({@link Handshake#awaitStage()}), then writes what the plan asks for the child's pid (see
     * {@link #configureWaitingChild(long)}). Does not release the child, so that the caller can do
     * more in the same pause (v1 cgroup placement); the caller then calls
     * {@link Handshake#release()}. Does nothing when {@link #requiresHandshake()} is false, so it
     * may be called unconditionally.
     *
     * @throws dev.gatun.core.spawn.StepFailedException when the child failed a step before the
     *     wait point
     * @throws IOException when a map or offset cannot be written (naming the file or helper)
     */
    public void configureWaitingChild(Handshake h) throws IOException {
        if (!requiresHandshake()) {
            return;
        }
        h.awaitStage();
        configureWaitingChild(h.process().pid());
    }

    /**
     * Writes the uid/gid maps ({@link IdMapper#apply(long, IdMapper.Plan)}) and the time offsets
     * ({@link dev.gatun.namespaces.TimeOffsets#writeTo(long)}) of {@code pid}, which must be
     * waiting at this setup's wait point. For a caller that awaited the stage itself.
     */
    public void configureWaitingChild(long pid) throws IOException {
        for (NamespaceStep step : childPart.steps()) {
            if (step instanceof NamespaceStep.AwaitParent(boolean maps, boolean offsets)) {
                if (maps) {
                    mapper.apply(pid, idPlan);
                }
                if (offsets) {
                    namespaces.timeOffsets().writeTo(pid);
                }
            }
        }
    }

    /** How the maps will be written (direct or through newuidmap), or null when no ids are mapped. */
    public IdMapper.Plan idMapperPlan() {
        return idPlan;
    }

    /** Closes the namespace fds opened for joining; idempotent. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException first = null;
        for (int fd : joinFds.values()) {
            try {
                LibC.close(fd);
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this NamespaceSetup is closed: its join fds are gone");
        }
    }

    private static void closeAll(Iterable<Integer> fds, Exception failure) {
        for (int fd : fds) {
            try {
                LibC.close(fd);
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
    }

    @Override
    public String toString() {
        return "NamespaceSetup[" + namespaces + ", joinFds=" + joinFds + (closed ? ", closed" : "") + "]";
    }
}
