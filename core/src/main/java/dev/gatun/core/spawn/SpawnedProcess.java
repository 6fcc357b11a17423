package dev.gatun.core.spawn;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.gatun.core.ErrnoException;
import dev.gatun.core.linux.Errno;
import dev.gatun.core.linux.LibC;
import dev.gatun.core.linux.Structs;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A process the {@link Spawner} started, held by its pidfd: signal it without pid-reuse races,
 * and learn how it ended through {@link #onExit()}. The {@link Reaper} reaps it with
 * {@code waitid(P_PIDFD)} as soon as it exits and then closes the pidfd; nobody else waits for it.
 *
 * <p>Thread-safe. {@link #onExit()} completes on the reaper thread: dependent actions that block
 * or take long belong on the {@code *Async} variants.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/pidfd_open.2.html">pidfd_open(2)</a>
 */
public final class SpawnedProcess {

    private final long pid;
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    private final Runnable onReaped;
    private int pidfd;
    private int epfd = -1;

    SpawnedProcess(long pid, int pidfd, Runnable onReaped) {
        this.pid = pid;
        this.pidfd = pidfd;
        this.onReaped = onReaped;
    }

    /** The process id, in the JVM's PID namespace. */
    public long pid() {
        return pid;
    }

    /**
     * The pidfd, for calls that take one ({@code setns}, {@code pidfd_getfd}); valid only until the
     * process is reaped.
     *
     * @throws IllegalStateException when the process was already reaped and the pidfd closed
     */
    public synchronized int pidfd() {
        if (pidfd < 0) {
            throw new IllegalStateException("process " + pid + " was reaped; its pidfd is closed");
        }
        return pidfd;
    }

    /** Completes with the exit status once the process has exited and been reaped. A copy: completing it changes nothing here. */
    public CompletableFuture<ExitStatus> onExit() {
        return exit.copy();
    }

    /** Whether the process has not been reaped yet (a zombie about to be reaped still counts as alive). */
    public boolean isAlive() {
        return !exit.isDone();
    }

    /**
     * Sends {@code signal} with {@code pidfd_send_signal}.
     *
     * @return false when the process is already gone (reaped, or ESRCH)
     */
    public synchronized boolean signal(int signal) throws IOException {
        if (pidfd < 0) {
            return false;
        }
        try {
            LibC.pidfdSendSignal(pidfd, signal);
            return true;
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ESRCH) {
                return false;
            }
            throw e;
        }
    }

    /** Sends SIGKILL; returns false when the process is already gone. */
    public boolean kill() throws IOException {
        return signal(9);
    }

    /** Waits for the exit status. */
    public ExitStatus waitFor() throws InterruptedException {
        try {
            return exit.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("reaping process " + pid + " failed", e.getCause());
        }
    }

    /** Waits at most {@code timeout} for the exit status; empty when the process still runs. */
    public Optional<ExitStatus> waitFor(Duration timeout) throws InterruptedException {
        try {
            return Optional.of(exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException("reaping process " + pid + " failed", e.getCause());
        }
    }

    /** Closes the pidfd of a process nobody in this JVM reaps ({@link Spawner#spawnUnreaped}); idempotent. */
    public synchronized void releasePidfd() {
        if (pidfd >= 0) {
            closePidfd();
        }
    }

    /** Notes that the pidfd is in the reaper's epoll set {@code epfd}; returns the pidfd. */
    synchronized int watchedBy(int epfd) {
        this.epfd = epfd;
        return pidfd();
    }

    /** The reaper's call when the pidfd is readable: reaps without blocking; true when reaped now. */
    boolean tryReap() {
        return reap(LibC.WNOHANG);
    }

    /** Reaps, blocking until the process exits (for a process no reaper watches). */
    void reapBlocking() {
        reap(0);
    }

    /** SIGKILL and reap, for failure paths: ignores a process that is already gone. */
    void killAndReap() {
        try {
            kill();
        } catch (IOException e) {
            // EPERM cannot happen for our own child; whatever it was, the reap below still runs
        }
        reapBlocking();
    }

    private boolean reap(int options) {
        ExitStatus status;
        synchronized (this) {
            if (pidfd < 0) {
                return false;
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment info = arena.allocate(Structs.SIGINFO_SIZE, 8);
                LibC.waitid(LibC.P_PIDFD, pidfd, info, LibC.WEXITED | options);
                if (info.get(JAVA_INT, Structs.SIGINFO_PID) == 0) {
                    return false; // WNOHANG and not exited yet
                }
                status = ExitStatus.of(info.get(JAVA_INT, Structs.SIGINFO_CODE), info.get(JAVA_INT, Structs.SIGINFO_STATUS));
            } catch (IOException e) {
                exit.completeExceptionally(e);
                closePidfd();
                return true;
            }
            closePidfd();
        }
        onReaped.run();
        exit.complete(status);
        return true;
    }

    private void closePidfd() {
        try {
            if (epfd >= 0) {
                // remove it from the reaper's set before closing: a child cloned meanwhile holds
                // a copy of this pidfd until its exec, which keeps the file, and with it a stale
                // (level-triggered, already exited) epoll entry under this fd number, alive
                LibC.epollCtl(epfd, LibC.EPOLL_CTL_DEL, pidfd, 0);
            }
            LibC.close(pidfd);
        } catch (IOException e) {
            throw new IllegalStateException("closing pidfd " + pidfd + " of process " + pid, e);
        } finally {
            pidfd = -1;
        }
    }

    @Override
    public String toString() {
        return "SpawnedProcess[pid=" + pid + (exit.isDone() ? ", " + exit.getNow(null) : ", alive") + "]";
    }
}
