package dev.gatun.core.ns;

import dev.gatun.core.ErrnoException;
import dev.gatun.core.linux.Errno;
import dev.gatun.core.linux.LibC;
import dev.gatun.namespaces.NamespaceType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Runs a Java task on a fresh platform thread that has been moved into another network
 * namespace, then lets that thread end: what port publishing needs to open a listening socket
 * <em>inside</em> a container's network namespace from the JVM.
 *
 * <p>How: a new platform thread opens {@code /proc/<pid>/ns/net} (or the given namespace file),
 * calls {@code setns(fd, CLONE_NEWNET)} — which moves that one thread only — runs the task and
 * terminates. The thread is never pooled or reused, since its namespace changed for good. Sockets
 * the task <em>creates</em> belong to the namespace for their whole life, whichever thread later
 * uses them, so the task may return a {@link java.nio.channels.ServerSocketChannel} for the host
 * side to accept on.
 *
 * <p>What is not needed, and why: {@code unshare(CLONE_FS)}. The kernel requires an unshared fs
 * struct only to join a mount or user namespace ({@code mntns_install}/{@code userns_install}
 * refuse a task whose {@code fs->users != 1} with EINVAL, and every JVM thread shares the
 * process's); {@code netns_install} checks only capabilities. This class joins nothing but the
 * network namespace, so the thread keeps the JVM's cwd and root.
 *
 * <p>Permissions: {@code setns} needs CAP_SYS_ADMIN over the user namespace that owns the target
 * network namespace <em>and</em> in the JVM's own user namespace; EPERM otherwise. So a root JVM
 * can enter any container's network namespace, but an unprivileged (rootless) JVM cannot, not even
 * one owned by a user namespace it created — and it cannot join that user namespace first either,
 * since the kernel lets no thread of a multithreaded process change its user namespace. Rootless
 * port publishing needs a helper inside the namespace that hands the socket back (not provided
 * here).
 *
 * <p>What the task must not do: hand work to other threads and expect it to run in the namespace
 * (a pool, a virtual thread, an HTTP client's selector thread all stay in the JVM's namespace);
 * resolve names through the JVM's caches and expect the container's view; trust APIs that read
 * {@code /proc/net}, which is the <em>process's</em> view, not the thread's — the JDK's
 * {@link java.net.NetworkInterface#getNetworkInterfaces()} mixes both (IPv4 interfaces through an
 * ioctl on a new socket, in the thread's namespace; IPv6 ones from {@code /proc/net/if_inet6}, in
 * the JVM's), so inside the task it lists the host's {@code eth0} too. Read
 * {@code /proc/thread-self/net/*} for the thread's view. Thread-safe: each call makes its own
 * thread.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/setns.2.html">setns(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/network_namespaces.7.html">network_namespaces(7)</a>
 */
public final class NetworkNamespaces {

    private NetworkNamespaces() {}

    /**
     * Runs {@code task} in process {@code pid}'s network namespace and returns its result.
     *
     * @throws ErrnoException (or a JDK file exception) when the namespace cannot be opened or
     *     joined — EPERM with the capability that is missing
     * @throws ExecutionException wrapping what the task threw
     * @throws InterruptedException if interrupted while waiting; the task's thread is then
     *     interrupted too and left to finish on its own
     */
    public static <T> T call(long pid, Callable<T> task) throws IOException, ExecutionException, InterruptedException {
        return call(NamespaceType.NETWORK.procPath(pid), task);
    }

    /**
     * Runs {@code task} in the network namespace {@code nsFile} stands for: a
     * {@code /proc/<pid>/ns/net} file, or a bind mount of one such as {@code /run/netns/<name>}.
     *
     * @see #call(long, Callable)
     */
    public static <T> T call(Path nsFile, Callable<T> task) throws IOException, ExecutionException,
            InterruptedException {
        Objects.requireNonNull(nsFile, "nsFile");
        Objects.requireNonNull(task, "task");
        // opened here, on the caller's thread: a missing file fails before a thread is made
        int fd = LibC.openat(LibC.AT_FDCWD, nsFile.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        FutureTask<T> future;
        try {
            future = new FutureTask<>(() -> {
                try {
                    NamespaceLibC.setns(fd, NamespaceType.NETWORK.cloneFlag(), nsFile.toString());
                } catch (ErrnoException e) {
                    throw explain(e, nsFile);
                }
                return task.call();
            });
            Thread thread = Thread.ofPlatform().name("gatun-netns-" + nsFile).unstarted(future);
            thread.start();
            try {
                thread.join();
            } catch (InterruptedException e) {
                thread.interrupt();
                throw e;
            }
        } finally {
            LibC.close(fd);
        }
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof JoinFailed failed) {
                throw failed.cause;
            }
            throw e;
        }
    }

    private static JoinFailed explain(ErrnoException e, Path nsFile) {
        if (e.errno() == Errno.EPERM) {
            return new JoinFailed(new Explained(e, "joining " + nsFile + " needs CAP_SYS_ADMIN both over the user "
                    + "namespace that owns it and in the JVM's own user namespace; an unprivileged JVM cannot enter a "
                    + "container's network namespace"));
        }
        return new JoinFailed(e);
    }

    /** An {@link ErrnoException} with the reason appended: still the same errno, syscall and arguments. */
    private static final class Explained extends ErrnoException {
        private static final long serialVersionUID = 1L;

        Explained(ErrnoException e, String why) {
            super(e.errno(), e.syscall(), e.arguments(), e.getMessage() + ": " + why);
        }
    }

    /** Carries a failed setns out of the thread, to be rethrown as itself rather than wrapped. */
    private static final class JoinFailed extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient ErrnoException cause;

        JoinFailed(ErrnoException cause) {
            super(cause.getMessage(), cause, false, false);
            this.cause = cause;
        }
    }
}
