package dev.gatun.core.spawn;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.gatun.core.ErrnoException;
import dev.gatun.core.linux.Errno;
import dev.gatun.core.linux.Flags;
import dev.gatun.core.linux.LibC;
import dev.gatun.core.linux.Structs;
import dev.gatun.core.linux.SyscallTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Starts child processes that run a {@link Program}, from one dedicated platform thread.
 *
 * <p>Two ways to spawn:
 *
 * <ul>
 *   <li>{@link #spawn}: {@code CLONE_VM|CLONE_VFORK}, like {@code posix_spawn}. Returns once the
 *       child has exec'd; a failed step comes back as a {@link StepFailedException}. The program
 *       must not wait for the parent (the parent is suspended until exec).
 *   <li>{@link #start}: {@code CLONE_VM} plus an error pipe and two handshake pipes. Returns at
 *       once with a {@link Handshake}: the parent acts while the child waits in
 *       {@link Program.Builder#awaitParent()} (write uid/gid maps, place the pid in v1 cgroups,
 *       run hooks), then {@link Handshake#release() releases} it.
 * </ul>
 *
 * <p>A program that {@linkplain Program.Builder#ownFdTable() owns its fd table} gets the
 * {@link FdPrologue} as its first steps: the fds it lists and the spawn's own pipes move to the
 * numbers Java chose, and every other fd the child got from the JVM is closed before its program
 * runs.
 *
 * <p>Every clone passes {@code CLONE_PIDFD} and {@code CLONE_CLEAR_SIGHAND}, blocks every signal
 * from before the clone until the program unblocks them, and (with a cgroup fd)
 * {@code CLONE_INTO_CGROUP}. Where {@code clone3} is refused (ENOSYS, or EPERM from a seccomp
 * filter) the spawner falls back to legacy {@code clone} with the program changes described in
 * {@link LegacyClone}. It never forks without {@code CLONE_VM}: that would copy the JVM's page
 * tables on every spawn.
 *
 * <p>A child born in an existing PID namespace ({@link SpawnOptions#pidNamespaceFd()}): this
 * thread points its own {@code pid_for_children} at that namespace right before the clone and
 * back right after it ({@link PidNamespaceVisit}), so the child is a member from its first
 * instruction, in either way to spawn, with no fork step. If the way back ever fails, the spawner
 * refuses every later spawn (they would land in the wrong namespace).
 *
 * <p>Why one thread: the child inherits attributes of the spawning <em>thread</em> (its
 * {@code PR_SET_PDEATHSIG} parent, CPU affinity, nice value, name, signal mask). This thread is a
 * daemon that lives as long as the JVM, so a child's parent-death signal fires when the JVM dies,
 * not when some pool thread retires. Callers on any thread (virtual ones too) just wait for it.
 *
 * <p>The first use runs a self-test: a program that only exits 0, checked through its pidfd. If
 * that fails, every spawn fails with the cause.
 *
 * <p>Thread-safe.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/clone3.2.html">clone3(2)</a>
 */
public final class Spawner {

    private static final long CLONE_VM = 0x100L;
    private static final long CLONE_VFORK = 0x4000L;
    private static final long CLONE_PIDFD = 0x1000L;
    private static final long CLONE_NEWTIME = 0x80L;
    private static final long CLONE_CLEAR_SIGHAND = 0x1_0000_0000L;
    private static final long CLONE_INTO_CGROUP = 0x2_0000_0000L;
    private static final long CLONE_ARGS_SIZE = 88;
    private static final int STACK_SIZE = 16 * 1024;

    private final ExecutorService thread = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("gatun-spawner").daemon().unstarted(r));
    private final SyscallTable table = SyscallTable.current();
    private final Dumpable dumpable = new Dumpable();
    private volatile boolean clone3Refused;
    // set when the spawner thread could not leave a joined PID namespace: it must not spawn again
    private volatile IllegalStateException broken;
    private final Optional<Throwable> selfTestFailure;

    private Spawner() {
        selfTestFailure = selfTest();
    }

    /** The JVM's spawner (created, and self-tested, on first use). */
    public static Spawner get() {
        return Holder.INSTANCE;
    }

    private static final class Holder {
        static final Spawner INSTANCE = new Spawner();
    }

    /** Whether spawns use legacy {@code clone} because {@code clone3} is refused here. */
    public boolean usesLegacyClone() {
        return clone3Refused;
    }

    /**
     * Spawns a child that runs {@code program} and returns once it has exec'd (or finished its
     * program and exited 0), with the process watched by the reaper.
     *
     * @throws StepFailedException when a step failed; the child has been reaped
     * @throws ErrnoException when the clone itself failed
     * @throws IllegalArgumentException when the program waits for the parent (use {@link #start})
     */
    public SpawnedProcess spawn(Program program, SpawnOptions options) throws IOException {
        if (program.usesHandshake()) {
            throw new IllegalArgumentException("the program waits for or notifies its parent; "
                    + "under CLONE_VFORK the parent is suspended until exec, so use Spawner.start");
        }
        return onSpawnerThread(() -> spawnVfork(program, options, true));
    }

    /**
     * As {@link #spawn}, but the process is never reaped by this JVM: its exit status is left for
     * whoever inherits it when the JVM exits (the nearest subreaper, such as conmon, which waits
     * for the pid of a {@code runc exec -d}). Until then it stays a zombie once it exits, and the
     * returned handle's {@link SpawnedProcess#onExit()} never completes; close nothing but its
     * pidfd ({@link SpawnedProcess#releasePidfd()}).
     */
    public SpawnedProcess spawnUnreaped(Program program, SpawnOptions options) throws IOException {
        if (program.usesHandshake()) {
            throw new IllegalArgumentException("the program waits for or notifies its parent; use Spawner.start");
        }
        return onSpawnerThread(() -> spawnVfork(program, options, false));
    }

    /**
     * Starts a child that runs {@code program} with the parent free to act while the child waits
     * in {@link Program.Builder#awaitParent()}. The caller owns the returned handshake and must
     * {@linkplain Handshake#awaitExec() complete} or {@linkplain Handshake#close() close} it.
     *
     * @throws ErrnoException when the clone itself failed
     * @throws IllegalArgumentException when the program contains a fork step (only {@link #spawn} supports it)
     */
    public Handshake start(Program program, SpawnOptions options) throws IOException {
        if (program.forks()) {
            throw new IllegalArgumentException("a fork step is supported by Spawner.spawn only");
        }
        return onSpawnerThread(() -> startHandshake(program, options, true));
    }

    /**
     * {@link #start} for a child that shares the JVM's memory for the JVM's whole life and never
     * changes its credentials (the sentinel): it is left out of the count of children that keep
     * the JVM non-dumpable while one of them, under another uid, could share its memory
     * ({@link Dumpable}). Its program's memory is freed only when it exits.
     */
    public Handshake startResident(Program program, SpawnOptions options) throws IOException {
        if (program.forks() || options.pidNamespaceFd().isPresent()) {
            throw new IllegalArgumentException("a resident child neither forks nor visits a PID namespace");
        }
        return onSpawnerThread(() -> startHandshake(program, options, false));
    }

    private SpawnedProcess spawnVfork(Program program, SpawnOptions options, boolean reap) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Launch launch;
            shareMemory(program, options);
            try {
                Program effective = program.ownedFds().isPresent() ? FdPrologue.prepend(program, -1, -1, -1).program() : program;
                launch = launch(effective, options, arena, Map.of(), -1, null, CLONE_VM | CLONE_VFORK);
            } finally {
                dumpable.childReleased(); // CLONE_VFORK: back here, no child shares the memory any more
            }
            SpawnedProcess child = new SpawnedProcess(launch.pid, launch.pidfd, () -> {});
            try {
                // CLONE_VFORK: the child has exec'd or exited, and released our memory
                int failed = launch.ctx.get(JAVA_INT, Executor.CTX_FAILED_STEP);
                if (failed != -1) {
                    child.reapBlocking();
                    reapForked(launch);
                    throw launch.failure(launch.ctx.asSlice(Executor.CTX_FAILED_STEP, Executor.RECORD_SIZE));
                }
                if (launch.image.program().forks()) {
                    child.reapBlocking(); // the intermediate exits 0 once the new task has exec'd
                    child = adoptForked(launch);
                }
                if (reap) {
                    Reaper.get().watch(child);
                }
                return child;
            } catch (IOException | RuntimeException | Error e) {
                if (child.isAlive()) {
                    child.killAndReap();
                }
                throw e;
            }
        }
    }

    /** clone's EAGAIN: the kernel's words ("Resource temporarily unavailable") do not say which limit. */
    private static final class ProcessLimit extends ErrnoException {
        private static final long serialVersionUID = 1L;

        ProcessLimit(ErrnoException e) {
            super(e.errno(), e.syscall(), e.arguments(), e.getMessage() + ": a process limit is reached (pids.max of"
                    + " the JVM's cgroup or one above it, RLIMIT_NPROC, or kernel.threads-max)");
        }
    }

    /** Counts a child about to share the JVM's memory; one that enters a foreign PID namespace makes it non-dumpable first. */
    private void shareMemory(Program program, SpawnOptions options) {
        if (options.pidNamespaceFd().isPresent() || program.forks()) {
            dumpable.childSharesWithStrangers();
        } else {
            dumpable.childShares();
        }
    }

    private Handshake startHandshake(Program program, SpawnOptions options, boolean counted) throws IOException {
        FdSet fds = new FdSet();
        // the owner stands for the memory the child will share: closed on every path, exactly once
        if (counted) {
            shareMemory(program, options);
        }
        ArenaOwner owner = new ArenaOwner(Arena.ofShared(), counted ? dumpable::childReleased : () -> { });
        SpawnedProcess child = null;
        try {
            int[] err = fds.pipe();
            int[] release = fds.pipe();
            int[] stage = fds.pipe();
            Map<SyncPipe, Integer> sync = new EnumMap<>(SyncPipe.class);
            Program effective;
            Slot errorFd = null;
            if (program.ownedFds().isPresent()) {
                // the child keeps its ends at known numbers and closes every other fd first,
                // the parent's ends among them (else no EOF on the release pipe when the parent dies)
                FdPrologue.Prepared prepared = FdPrologue.prepend(program, err[1], release[0], stage[1]);
                sync.put(SyncPipe.RELEASE_READ, Program.RELEASE_FD);
                sync.put(SyncPipe.STAGE_WRITE, Program.STAGE_FD);
                effective = prepared.program();
                errorFd = prepared.errorFd();
            } else {
                sync.put(SyncPipe.RELEASE_READ, release[0]);
                sync.put(SyncPipe.RELEASE_WRITE, release[1]);
                sync.put(SyncPipe.STAGE_READ, stage[0]);
                sync.put(SyncPipe.STAGE_WRITE, stage[1]);
                // the child's first steps close its copies of the parent's ends: otherwise a read on
                // the release pipe would never see EOF when the parent dies
                Program.Builder withPrologue = Program.builder()
                        .syscall("close", Arg.sync(SyncPipe.RELEASE_WRITE))
                        .syscall("close", Arg.sync(SyncPipe.STAGE_READ));
                for (Step s : program.steps()) {
                    withPrologue.step(s);
                }
                effective = withPrologue.build();
            }
            Launch launch = launch(effective, options, owner.arena, sync, err[1], errorFd, CLONE_VM);
            // the arena is released when the child lets go of it: error-pipe EOF, or reaping
            child = new SpawnedProcess(launch.pid, launch.pidfd, owner::close);
            fds.close(err[1], release[0], stage[1]);
            Reaper.get().watch(child);
            return new Handshake(child, launch, owner, err[0], release[1], stage[0]);
        } catch (IOException | RuntimeException | Error e) {
            fds.closeAll();
            if (child != null && child.isAlive()) {
                child.killAndReap();
            }
            owner.close();
            throw e;
        }
    }

    /**
     * Compiles and clones; falls back to legacy clone when clone3 is refused. {@code errorFdSlot},
     * when not null, is the slot of the step that moves the error pipe: it is the ctx's error-fd
     * field itself, so the executor reports on the new number from then on.
     */
    private Launch launch(Program program, SpawnOptions options, Arena arena, Map<SyncPipe, Integer> sync, int errFd,
                          Slot errorFdSlot, long mode) throws IOException {
        boolean legacy = options.legacyClone() || clone3Refused;
        Program effective = legacy ? LegacyClone.adapt(program, options) : program;
        MemorySegment ctx = arena.allocate(Executor.CTX_SIZE, 16);
        Map<Slot, MemorySegment> bound = errorFdSlot == null ? Map.of()
                : Map.of(errorFdSlot, ctx.asSlice(Executor.CTX_ERR_FD, 8));
        ProgramImage image = ProgramImage.compile(effective, table, arena, sync, bound);
        MemorySegment pidfd = arena.allocate(JAVA_LONG);
        pidfd.set(JAVA_INT, 0, -1);
        MemorySegment stack = arena.allocate(STACK_SIZE, 16);
        long flags;
        if (legacy) {
            if ((options.namespaces() & CLONE_NEWTIME) != 0) {
                throw new UnsupportedOperationException("a time namespace needs clone3, which this host refuses");
            }
            // legacy clone: flags carry the exit signal; the pidfd lands at parent_tid (a2)
            flags = options.namespaces() | CLONE_PIDFD | mode | Program.SIGCHLD;
            long[] args = {flags, stack.address() + STACK_SIZE, pidfd.address(), 0, 0, 0};
            setClone(ctx, table.number("clone"), args);
        } else {
            flags = options.namespaces() | CLONE_PIDFD | CLONE_CLEAR_SIGHAND | mode
                    | (options.cgroupFd().isPresent() ? CLONE_INTO_CGROUP : 0);
            MemorySegment cloneArgs = arena.allocate(Structs.CLONE_ARGS);
            cloneArgs.set(JAVA_LONG, Structs.CLONE_ARGS_FLAGS, flags);
            cloneArgs.set(JAVA_LONG, Structs.CLONE_ARGS_PIDFD, pidfd.address());
            cloneArgs.set(JAVA_LONG, Structs.CLONE_ARGS_EXIT_SIGNAL, Program.SIGCHLD);
            cloneArgs.set(JAVA_LONG, Structs.CLONE_ARGS_STACK, stack.address());
            cloneArgs.set(JAVA_LONG, Structs.CLONE_ARGS_STACK_SIZE, STACK_SIZE);
            cloneArgs.set(JAVA_LONG, Structs.CLONE_ARGS_CGROUP, options.cgroupFd().orElse(0));
            setClone(ctx, table.number("clone3"), new long[] {cloneArgs.address(), CLONE_ARGS_SIZE, 0, 0, 0, 0});
        }
        ctx.set(JAVA_LONG, Executor.CTX_STEPS, image.steps().address());
        ctx.set(JAVA_LONG, Executor.CTX_NSTEPS, image.size());
        ctx.set(JAVA_LONG, Executor.CTX_ERR_FD, errFd);
        ctx.set(JAVA_LONG, Executor.CTX_MASK, -1L);
        ctx.set(JAVA_INT, Executor.CTX_FAILED_STEP, -1);
        PidNamespaceVisit visit = null;
        long result;
        if (options.pidNamespaceFd().isPresent()) {
            visit = PidNamespaceVisit.enter(options.pidNamespaceFd().getAsInt());
            result = cloneDuring(visit, ctx, pidfd);
        } else {
            result = Executor.spawn(ctx);
        }
        if (result < 0) {
            int errno = (int) -result;
            if (!legacy && (errno == Errno.ENOSYS || errno == Errno.EPERM)) {
                // clone3 refused (seccomp): retry with legacy clone; remember only if that works,
                // since EPERM may as well be a real refusal of the namespaces asked for
                Launch retry = launch(program, options.legacyClone(true), arena, sync, errFd, errorFdSlot, mode);
                clone3Refused = true;
                return retry;
            }
            String call = legacy ? "clone" : "clone3";
            String arguments = "{flags=" + Flags.CLONE.render(flags) + "}";
            ErrnoException e = visit != null ? visit.cloneFailed(errno, call, arguments) : new ErrnoException(errno, call, arguments);
            throw errno == Errno.EAGAIN ? new ProcessLimit(e) : e;
        }
        return new Launch(result, pidfd.get(JAVA_INT, 0), ctx, image);
    }

    /**
     * Clones with this thread visiting a PID namespace, and always leaves it. When the way back
     * fails, the spawner is broken for good: the child just made (if any) is killed and reaped,
     * and this and every later spawn fail with the {@link PidNamespaceVisit.Stuck} error.
     */
    private long cloneDuring(PidNamespaceVisit visit, MemorySegment ctx, MemorySegment pidfd) throws IOException {
        long result = -1;
        try {
            result = Executor.spawn(ctx);
            return result;
        } finally {
            try {
                visit.leave();
            } catch (PidNamespaceVisit.Stuck stuck) {
                broken = stuck;
                if (result > 0) {
                    discard(result, pidfd.get(JAVA_INT, 0), stuck);
                }
                throw stuck;
            }
        }
    }

    /** Kills and reaps a child nobody will get a handle to, and closes its pidfd. */
    private static void discard(long pid, int pidfd, Throwable failure) {
        try (Arena arena = Arena.ofConfined()) {
            LibC.kill(pid, 9);
            LibC.waitid(LibC.P_PID, (int) pid, arena.allocate(Structs.SIGINFO_SIZE, 8), LibC.WEXITED);
            if (pidfd >= 0) {
                LibC.close(pidfd);
            }
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    private static void setClone(MemorySegment ctx, long nr, long[] args) {
        ctx.set(JAVA_LONG, Executor.CTX_CLONE_NR, nr);
        for (int i = 0; i < 6; i++) {
            ctx.set(JAVA_LONG, Executor.CTX_CLONE_ARGS + 8L * i, args[i]);
        }
    }

    private static long forkedPid(Launch launch) {
        Program program = launch.image.program();
        return launch.image.slotValue(program.steps().get(program.lastForkIndex()).result());
    }

    /**
     * The task the fork step made, as a handle. It is our unreaped child (CLONE_PARENT), so its
     * pid cannot have been reused; if no pidfd can be opened (EMFILE), it is killed and reaped.
     */
    private static SpawnedProcess adoptForked(Launch launch) throws IOException {
        long pid = forkedPid(launch);
        try {
            return new SpawnedProcess(pid, LibC.pidfdOpen(pid), () -> {});
        } catch (IOException e) {
            LibC.kill(pid, 9);
            reapForked(launch);
            throw e;
        }
    }

    /** After a failure past a fork step, the new task (our child by CLONE_PARENT) has exited too. */
    private static void reapForked(Launch launch) throws IOException {
        if (!launch.image.program().forks()) {
            return;
        }
        long pid = forkedPid(launch);
        if (pid > 0) {
            try (Arena arena = Arena.ofConfined()) {
                LibC.waitid(LibC.P_PID, (int) pid, arena.allocate(Structs.SIGINFO_SIZE, 8), LibC.WEXITED);
            }
        }
    }

    private Optional<Throwable> selfTest() {
        try {
            SpawnedProcess p = onSpawnerThread(() -> spawnVfork(Program.builder().build(), SpawnOptions.defaults(), true));
            ExitStatus status = p.waitFor();
            if (!status.equals(new ExitStatus(0, 0, false))) {
                return Optional.of(new IllegalStateException(
                        "the executor's self-test (a program that only exits 0) ended with " + status));
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.of(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of(e);
        }
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Spawner.class);

    /** Kills what a spawn made for a caller that no longer waits for it. */
    private static void undo(Object result) {
        try {
            // instanceof, not a type switch: its bootstrap is a cost a fresh JVM's first spawn paid
            if (result instanceof SpawnedProcess p) {
                p.kill();
            } else if (result instanceof Handshake h) {
                h.close();
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not undo an abandoned spawn: {}", e.toString());
        }
    }

    private <T> T onSpawnerThread(Callable<T> task) throws IOException {
        if (selfTestFailure != null && selfTestFailure.isPresent()) {
            throw new IllegalStateException("the spawn executor failed its self-test", selfTestFailure.get());
        }
        if (broken != null) {
            throw new IllegalStateException(broken.getMessage(), broken);
        }
        // a caller that gave up on a spawn stuck in the kernel (a CLONE_VFORK child blocked before
        // exec) must not leak what the spawn makes when it does finish: it is undone then
        java.util.concurrent.atomic.AtomicBoolean abandoned = new java.util.concurrent.atomic.AtomicBoolean();
        Future<T> future = thread.submit(() -> {
            T result = task.call();
            if (abandoned.get()) {
                undo(result);
            }
            return result;
        });
        boolean interrupted = false;
        // how long a caller waits for the spawner thread to finish one spawn
        long timeout = Long.getLong("gatun.spawnTimeoutSeconds", 120);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeout);
        try {
            while (true) {
                try {
                    return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    // the spawn cannot be abandoned half-way: its child would leak; finish, then re-interrupt
                    interrupted = true;
                } catch (java.util.concurrent.TimeoutException e) {
                    abandoned.set(true);
                    if (future.isDone()) {
                        continue; // finished in the meantime: its result is undone, its error reported below
                    }
                    throw new IOException("the spawner thread has not finished a spawn in " + timeout
                            + " s (a child blocked in the kernel before exec?); it is undone when it does "
                            + "(-Dgatun.spawnTimeoutSeconds changes the wait)");
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            } else if (cause instanceof RuntimeException re) {
                throw re;
            } else if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** What one clone produced: the child, and the memory it ran from. */
    static final class Launch {
        final long pid;
        final int pidfd;
        final MemorySegment ctx;
        final ProgramImage image;

        Launch(long pid, int pidfd, MemorySegment ctx, ProgramImage image) {
            this.pid = pid;
            this.pidfd = pidfd;
            this.ctx = ctx;
            this.image = image;
        }

        /** The exception for a 16-byte failure record {index, errno, raw result}. */
        StepFailedException failure(MemorySegment record) {
            int index = record.get(JAVA_INT, 0);
            int errno = record.get(JAVA_INT, 4);
            long raw = record.get(JAVA_LONG, 8);
            if (index < 0 || index >= image.size()) {
                throw new IllegalStateException("the child reported step " + index + " of " + image.size());
            }
            List<Step> steps = image.program().steps();
            return new StepFailedException(steps.get(index), index, image.size(), errno, raw, origins(steps, index));
        }

        /**
         * Where the failing step's slot arguments came from, e.g.
         * {@code $fd = openat(AT_FDCWD, "/proc/sys/net/ipv4/ip_forward", ...) (step 52)}: a
         * {@code write($fd, ...)} alone does not say which file refused the value.
         */
        static String origins(List<Step> steps, int index) {
            StringBuilder s = new StringBuilder();
            for (Arg arg : steps.get(index).args()) {
                if (arg instanceof Arg.FromSlot(Slot slot)) {
                    for (int i = index - 1; i >= 0; i--) {
                        if (steps.get(i).resultSlot().filter(slot::equals).isPresent()) {
                            s.append("; ").append(slot).append(" = ").append(steps.get(i).call()).append(" (step ")
                                    .append(i).append(')');
                            break;
                        }
                    }
                }
            }
            return s.toString();
        }
    }

    /** Closes the per-spawn arena exactly once, from whichever thread sees the child let go of it first. */
    static final class ArenaOwner {
        private final Arena arena;
        private final Runnable onRelease;
        private boolean closed;

        ArenaOwner(Arena arena, Runnable onRelease) {
            this.arena = arena;
            this.onRelease = onRelease;
        }

        /**
         * Copies the failure record of {@code ctx} into {@code into} and says whether there is one,
         * while the memory is still there (the reaper frees it when it reaps the child).
         */
        synchronized boolean copyFailure(MemorySegment ctx, MemorySegment into) {
            if (closed || ctx.get(JAVA_INT, Executor.CTX_FAILED_STEP) == -1) {
                return false;
            }
            into.copyFrom(ctx.asSlice(Executor.CTX_FAILED_STEP, Executor.RECORD_SIZE));
            return true;
        }

        synchronized void close() {
            if (!closed) {
                closed = true;
                try {
                    arena.close();
                } finally {
                    onRelease.run();
                }
            }
        }
    }

    /** The fds a handshake spawn opens, closed together on failure. */
    private static final class FdSet {
        private final java.util.List<Integer> open = new java.util.ArrayList<>();

        int[] pipe() throws IOException {
            int[] p = LibC.pipe2(LibC.O_CLOEXEC);
            open.add(p[0]);
            open.add(p[1]);
            return p;
        }

        void close(int... fds) throws IOException {
            for (int fd : fds) {
                open.remove(Integer.valueOf(fd));
                LibC.close(fd);
            }
        }

        void closeAll() {
            for (int fd : open) {
                try {
                    LibC.close(fd);
                } catch (IOException e) {
                    throw new UncheckedIOException("closing fd " + fd + " after a failed spawn", e);
                }
            }
            open.clear();
        }
    }
}
