package dev.gatun.core;

import dev.gatun.core.io.Stdio;
import dev.gatun.core.spawn.ExitStatus;
import dev.gatun.core.spawn.SpawnedProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A container's init process as a {@link java.lang.Process}: the streams of its stdin, stdout and
 * stderr (when they are {@linkplain ProcessBuilder.Redirect#PIPE pipes}), {@link #waitFor()},
 * {@link #exitValue()}, {@link #destroy()} ({@code SIGTERM}) and {@link #destroyForcibly()}
 * ({@code SIGKILL}), {@link #pid()} (the pid on the host: the container itself sees 1), and
 * {@link #onExit()}.
 *
 * <p>With a {@linkplain ContainerBuilder#terminal(boolean) terminal}, {@link #getInputStream()}
 * reads the pty master (what the process writes to stdout and stderr, merged, with the
 * terminal's echo and {@code \r\n} line ends), {@link #getOutputStream()} writes to it (what the
 * process reads, as typed), {@link #getErrorStream()} is empty, and
 * {@link #resizeTerminal(int, int)} changes the window size.
 *
 * <p>The process is held by a pidfd: signals never reach a recycled pid, and the exit is learnt
 * from the kernel, not by polling. {@link #exitValue()} is the exit code, or 128 + the signal
 * number for a process killed by a signal (as {@code Process} reports it on Unix). Thread-safe.
 *
 * @see Container#start()
 */
public final class ContainerProcess extends Process {

    private final Container container;
    private final String containerId;
    private final SpawnedProcess process;
    private final Stdio stdio;
    // taken by create() while the init waits for start (so it surely exists): toHandle() and
    // info() then work after the exit too, as they do for a Process of the JDK
    private final ProcessHandle handle;

    ContainerProcess(Container container, SpawnedProcess process, Stdio stdio, ProcessHandle handle) {
        this(container, container.id(), process, stdio, handle);
    }

    ContainerProcess(Container container, String containerId, SpawnedProcess process, Stdio stdio,
            ProcessHandle handle) {
        this.container = container;
        this.containerId = containerId;
        this.process = process;
        this.stdio = stdio;
        this.handle = handle;
    }

    /**
     * The container this process is the init of, or was {@linkplain Container#exec exec'd} into;
     * null for an exec into a container that this JVM does not run
     * ({@link ContainerExec#intoDetached}).
     */
    public Container container() {
        return container;
    }

    @Override
    public OutputStream getOutputStream() {
        return stdio.stdin();
    }

    @Override
    public InputStream getInputStream() {
        return stdio.stdout();
    }

    @Override
    public InputStream getErrorStream() {
        return stdio.stderr();
    }

    /**
     * Sets the terminal's window size, as a terminal emulator does when its window changes
     * ({@code TIOCSWINSZ}): the process's foreground group gets {@code SIGWINCH}.
     *
     * @throws IllegalStateException when the container has no terminal, or was deleted
     * @throws IOException when the kernel refused the ioctl
     */
    public void resizeTerminal(int rows, int cols) throws IOException {
        stdio.resizeTerminal(rows, cols);
    }

    @Override
    public int waitFor() throws InterruptedException {
        return status().exitValue();
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            process.onExit().get(timeout, unit);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("the reaper failed for process " + pid(), e.getCause());
        }
    }

    @Override
    public int exitValue() {
        ExitStatus status = process.onExit().getNow(null);
        if (status == null) {
            throw new IllegalThreadStateException("process " + pid() + " has not exited");
        }
        return status.exitValue();
    }

    /** How the process ended, as a sentence ("exit 0", "killed by SIGKILL"); waits for it. */
    public String exitDescription() throws InterruptedException {
        return status().toString();
    }

    /** Sends {@code SIGTERM}. */
    @Override
    public void destroy() {
        signal(15);
    }

    /** Sends {@code SIGKILL}. */
    @Override
    public Process destroyForcibly() {
        signal(9);
        return this;
    }

    @Override
    public boolean supportsNormalTermination() {
        return true;
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The pid in the host's (the JVM's) PID namespace. */
    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public CompletableFuture<Process> onExit() {
        return process.onExit().thenApply(s -> this);
    }

    /**
     * {@inheritDoc}
     *
     * @throws UnsupportedOperationException for an exec'd process that was gone before a handle
     *     could be taken
     */
    @Override
    public ProcessHandle toHandle() {
        if (handle == null) {
            throw new UnsupportedOperationException("process " + pid() + " exited before a handle was taken");
        }
        return handle;
    }

    @Override
    public ProcessHandle.Info info() {
        return toHandle().info();
    }

    @Override
    public String toString() {
        return "ContainerProcess[container=" + containerId + ", pid=" + pid() + "]";
    }

    /**
     * Sends {@code signal} (through the process's pidfd: never to a recycled pid).
     *
     * @return false when the process had already exited
     */
    public boolean signal(int signal) {
        try {
            return process.signal(signal);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    SpawnedProcess spawned() {
        return process;
    }

    Stdio stdio() {
        return stdio;
    }

    private ExitStatus status() throws InterruptedException {
        try {
            return process.onExit().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("the reaper failed for process " + pid(), e.getCause());
        }
    }
}
