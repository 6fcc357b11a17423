package dev.gatun.core.spawn;

import dev.gatun.core.linux.LibC;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A child started by {@link Spawner#start} that the parent talks to while it runs its program:
 * the child stops in {@link Program.Builder#awaitParent()} until {@link #release()}, and tells the
 * parent it reached a point with {@link Program.Builder#notifyParent()}, which
 * {@link #awaitStage()} waits for. {@link #awaitExec()} waits until the child has exec'd and
 * reports a failed step. A long "created" state is just a child waiting in {@code awaitParent()}:
 * it costs nothing until {@link #release()}.
 *
 * <p>Typical use, a user namespace whose maps the parent writes:
 *
 * <pre>{@code
 * Program p = Program.builder().awaitParent().setresuid(0).setresgid(0)....execve(...).build();
 * try (Handshake h = Spawner.get().start(p, SpawnOptions.defaults().namespaces(SpawnOptions.CLONE_NEWUSER))) {
 *     Files.writeString(Path.of("/proc/" + h.process().pid() + "/uid_map"), "0 100000 65536");
 *     h.release();
 *     SpawnedProcess process = h.awaitExec();
 * }
 * }</pre>
 *
 * <p>The spawn's memory (the child reads it until exec) is owned here and freed when the error
 * pipe reaches EOF or the child is reaped, whichever comes first, never earlier. {@link #close()}
 * before a successful {@link #awaitExec()} kills and reaps the child: nothing leaks.
 *
 * <p>Thread-safe, but the protocol is sequential: one thread drives a handshake.
 */
public final class Handshake implements AutoCloseable {

    /**
     * How long the parent waits at a handshake point ({@link #awaitStage()}, {@link #awaitExec()})
     * for the child before it gives up: long enough for a slow mount under software emulation,
     * short enough that a child stuck in the kernel (a hung NFS mount) fails the create instead of
     * hanging it. {@code -Dgatun.handshakeTimeoutSeconds} changes it.
     */
    static final Duration STAGE_TIMEOUT = Duration.ofSeconds(Long.getLong("gatun.handshakeTimeoutSeconds", 120));

    /** How long a SIGKILLed child may take to die before that is an error (it is frozen, or in D state). */
    static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);

    private final SpawnedProcess process;
    private final Spawner.Launch launch;
    private final Spawner.ArenaOwner owner;
    private final int errRead;
    private final int releaseWrite;
    private final int stageRead;
    private boolean execed;
    private boolean closed;

    Handshake(SpawnedProcess process, Spawner.Launch launch, Spawner.ArenaOwner owner, int errRead, int releaseWrite,
              int stageRead) {
        this.process = process;
        this.launch = launch;
        this.owner = owner;
        this.errRead = errRead;
        this.releaseWrite = releaseWrite;
        this.stageRead = stageRead;
    }

    /** The child; its pid is valid at once (for {@code /proc/<pid>/uid_map} and cgroup placement). */
    public SpawnedProcess process() {
        return process;
    }

    /**
     * Waits until the child runs its next {@link Program.Builder#notifyParent()} step.
     *
     * @throws StepFailedException when the child failed a step instead
     * @throws IllegalStateException when the child exec'd or exited without notifying
     */
    public synchronized void awaitStage() throws IOException {
        ensureOpen();
        awaitReadable(stageRead, STAGE_TIMEOUT, "its next notifyParent step (the handshake's next stage)");
        try (Arena arena = Arena.ofConfined()) {
            if (LibC.read(stageRead, arena.allocate(1)) == 1) {
                return;
            }
        }
        // EOF: the child is gone or exec'd; the error pipe says which
        awaitExec();
        throw new IllegalStateException("process " + process.pid() + " exec'd or died without reaching the awaited stage");
    }

    /**
     * Lets the child go on past its next {@link Program.Builder#awaitParent()} step.
     *
     * @throws StepFailedException when the child had already failed a step
     */
    public synchronized void release() throws IOException {
        ensureOpen();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocate(1);
            one.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) '!');
            LibC.write(releaseWrite, one);
        } catch (IOException e) {
            // EPIPE: the child died; report why if it told us
            awaitExec();
            throw e;
        }
    }

    /**
     * A copy, in this process, of the fd the child stored in {@code slot}
     * ({@code pidfd_getfd(2)}, Linux 5.6): how the parent takes something the child opened in its
     * own namespaces, such as the container's pty master. The caller owns the returned fd
     * (O_CLOEXEC) and closes it. Call it while the child waits in a pause (after
     * {@link #awaitStage()}), when the step that filled {@code slot} has run and the fd is still
     * open; the child's own fd stays open.
     *
     * @throws IllegalStateException when the child has exec'd, the handshake is closed, or the
     *     slot holds an error (its step failed with an allowed errno); a step that has not run yet
     *     leaves 0 in its slot, which this cannot tell from fd 0
     * @throws IllegalArgumentException when the program has no step storing in {@code slot}
     * @throws dev.gatun.core.ErrnoException when {@code pidfd_getfd} fails
     */
    public synchronized int takeFd(Slot slot) throws IOException {
        ensureOpen();
        if (execed) {
            // the spawn's memory, with the slot's cell, is freed at exec
            throw new IllegalStateException("process " + process.pid() + " has exec'd: its slot " + slot + " is gone");
        }
        long fd = launch.image.slotValue(slot);
        if (fd < 0 || fd > Integer.MAX_VALUE) {
            throw new IllegalStateException("slot " + slot + " of process " + process.pid() + " holds no fd: " + fd);
        }
        return LibC.pidfdGetfd(process.pidfd(), (int) fd);
    }

    /**
     * Waits until the child has exec'd (the error pipe reached EOF with no report) and returns it.
     * EOF without a report also follows a child killed by a signal before its exec, or a program
     * that ended without execve (exit 0): {@link SpawnedProcess#onExit()} tells those apart.
     *
     * @throws StepFailedException when a step failed; the child has been reaped by then
     */
    public synchronized SpawnedProcess awaitExec() throws IOException {
        if (execed) {
            return process;
        }
        ensureOpen();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment record = arena.allocate(Executor.RECORD_SIZE, 8);
            long total = 0;
            while (true) {
                awaitReadable(errRead, STAGE_TIMEOUT, "its execve (the error pipe's end of file)");
                long n = LibC.read(errRead, record.asSlice(Math.min(total, Executor.RECORD_SIZE - 1)));
                if (n == 0) {
                    break;
                }
                total += n;
            }
            // EOF: the child exec'd or exited, and no longer uses the spawn's memory
            if (total == 0 && owner.copyFailure(launch.ctx, record)) {
                // a failure the child could not write: its error fd was itself being moved (FdPrologue)
                total = Executor.RECORD_SIZE;
            }
            if (total >= Executor.RECORD_SIZE) {
                StepFailedException failure = launch.failure(record);
                // it exits right after writing the record
                awaitExit(KILL_TIMEOUT, "its exit after a failed step");
                close();
                throw failure;
            }
            owner.close();
            execed = true;
            closeFds();
            return process;
        }
    }

    /**
     * Ends the handshake: after a successful {@link #awaitExec()} only the pipes are closed;
     * before it, the child is killed and reaped.
     */
    @Override
    public void close() throws IOException {
        close(KILL_TIMEOUT);
    }

    /**
     * {@link #close()}, waiting at most {@code killTimeout} for the killed child to be reaped.
     *
     * @throws IOException naming the child when it is alive after {@code killTimeout} (frozen by a
     *     cgroup freezer, or in an uninterruptible sleep); the pipes are closed all the same, and
     *     the spawn's memory is freed when the reaper reaps the child
     */
    synchronized void close(Duration killTimeout) throws IOException {
        if (closed) {
            return;
        }
        try {
            if (!execed) {
                process.kill();
                awaitExit(killTimeout, "its death after SIGKILL"); // the reaper reaps it, and frees the spawn's memory
            }
        } finally {
            closeFds();
        }
    }

    /** Waits for the reaper to report the child's exit; an error names the child and {@code what}. */
    private void awaitExit(Duration timeout, String what) throws IOException {
        try {
            process.onExit().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new IOException("process " + process.pid() + ": waited " + timeout.toSeconds() + " s for " + what
                    + "; it still runs (frozen by a cgroup freezer, or in an uninterruptible sleep)", e);
        } catch (ExecutionException e) {
            throw new IOException("process " + process.pid() + ": reaping it failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted waiting for process " + process.pid() + ": " + what);
        }
    }

    /**
     * Waits until {@code fd} (a pipe from the child) is readable or at end of file, at most
     * {@code timeout}; a timeout is an error that names the child and {@code what} it waited for.
     */
    private void awaitReadable(int fd, Duration timeout, String what) throws IOException {
        int epfd = LibC.epollCreate1(LibC.O_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            LibC.epollCtl(epfd, LibC.EPOLL_CTL_ADD, fd, LibC.EPOLLIN);
            MemorySegment events = arena.allocate(64, 8);
            if (LibC.epollWait(epfd, events, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis())) == 0) {
                throw new IOException("process " + process.pid() + ": waited " + timeout.toSeconds() + " s for "
                        + what + " in vain (-Dgatun.handshakeTimeoutSeconds raises the limit)");
            }
        } finally {
            LibC.close(epfd);
        }
    }

    private void closeFds() throws IOException {
        if (!closed) {
            closed = true;
            LibC.close(errRead);
            LibC.close(releaseWrite);
            LibC.close(stageRead);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("handshake with process " + process.pid() + " is closed");
        }
    }
}
