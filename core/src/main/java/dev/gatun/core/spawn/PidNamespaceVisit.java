package dev.gatun.core.spawn;

import dev.gatun.core.ErrnoException;
import dev.gatun.core.linux.Errno;
import dev.gatun.core.linux.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The spawner thread's visit to an existing PID namespace for the length of one clone, so that the
 * child is born in it ({@link SpawnOptions#pidNamespaceFd()}).
 *
 * <p>{@code setns(fd, CLONE_NEWPID)} does not move the calling thread: it changes the PID
 * namespace its <em>children</em> are born in ({@code /proc/thread-self/ns/pid_for_children}), for
 * that thread alone (the kernel's {@code pidns_install} has no single-thread rule, unlike joining
 * a user or mount namespace, so a thread of the JVM may do it). {@link #leave()} sets it back with
 * an fd of the thread's own, active PID namespace ({@code /proc/thread-self/ns/pid}, which
 * {@code setns} does not change), opened before the visit: entering one's active PID namespace is
 * always allowed. This is what the child would otherwise do after the clone with a fork, which a
 * child that waits for {@code start} cannot have (see {@link Spawner#start}).
 *
 * <p>A thread that cannot return is broken for good: every later child would be born in the
 * visited namespace. {@link #leave()} then throws {@link Stuck}, which the spawner keeps and
 * answers every later spawn with.
 *
 * <p>Used by the spawner thread only; not thread-safe.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/setns.2.html">setns(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/pid_namespaces.7.html">pid_namespaces(7)</a>
 */
final class PidNamespaceVisit {

    private static final int CLONE_NEWPID = (int) SpawnOptions.CLONE_NEWPID;
    private static final String OWN = "/proc/thread-self/ns/pid";

    private final int target;
    private final int own;
    private boolean left;

    private PidNamespaceVisit(int target, int own) {
        this.target = target;
        this.own = own;
    }

    /**
     * Opens this thread's own PID namespace, then points its {@code pid_for_children} at
     * {@code target}. On failure nothing has changed and nothing stays open.
     *
     * @throws ErrnoException naming the namespace and why the kernel refuses it (EINVAL: not a PID
     *     namespace, or not nested in the JVM's; EPERM: no CAP_SYS_ADMIN over it)
     */
    static PidNamespaceVisit enter(int target) throws IOException {
        int own = LibC.openat(LibC.AT_FDCWD, OWN, LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        try {
            LibC.setns(target, CLONE_NEWPID);
        } catch (ErrnoException e) {
            ErrnoException explained = explain(e, target, own); // names the fd: before it is closed
            closeQuietly(own, explained);
            throw explained;
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(own, e);
            throw e;
        }
        return new PidNamespaceVisit(target, own);
    }

    /**
     * Points this thread's {@code pid_for_children} back at its own PID namespace and closes the
     * fd; idempotent.
     *
     * @throws Stuck when the kernel refuses the way back
     */
    void leave() throws IOException {
        if (left) {
            return;
        }
        left = true;
        try {
            LibC.setns(own, CLONE_NEWPID);
        } catch (ErrnoException e) {
            Stuck stuck = new Stuck("the spawner thread could not return from the PID namespace "
                    + describe(target) + " to its own (" + describe(own) + "); every later child would be born in "
                    + "the wrong PID namespace, so this JVM's spawner refuses to spawn from now on", e);
            closeQuietly(own, stuck);
            throw stuck;
        }
        LibC.close(own);
    }

    /** The fd of this thread's own PID namespace, held until {@link #leave()} (for the tests of a failed return). */
    int ownFd() {
        return own;
    }

    /** The clone failed with {@code errno} inside the visit: the exception, explained where the namespace is why. */
    ErrnoException cloneFailed(int errno, String syscall, String arguments) {
        ErrnoException e = new ErrnoException(errno, syscall, arguments);
        if (errno == Errno.ENOMEM) {
            // alloc_pid refuses a namespace whose init has exited (no PIDNS_ADDING): not memory
            return new Explained(e, "the PID namespace to join, " + describe(target) + ", admits no new process: "
                    + "its init has exited");
        }
        return e;
    }

    private static ErrnoException explain(ErrnoException e, int target, int own) {
        String ns = describe(target);
        ErrnoException named = new ErrnoException(e.errno(), "setns", ns + ", CLONE_NEWPID");
        return switch (e.errno()) {
            case Errno.EINVAL -> new Explained(named, ns + " is not a PID namespace, or not one nested in the JVM's own ("
                    + describe(own) + "): a process is born only in its parent's PID namespace or a descendant");
            case Errno.EPERM -> new Explained(named, "joining the PID namespace " + ns + " needs CAP_SYS_ADMIN over the "
                    + "user namespace that owns it and in the JVM's own user namespace");
            default -> new Explained(named, "entering the PID namespace " + ns + " to join");
        };
    }

    /** {@code pid:[4026531836]} for an fd of a namespace, or the fd's target; the fd number if unreadable. */
    static String describe(int fd) {
        try {
            return fd + "<" + Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)) + ">";
        } catch (IOException e) {
            return Integer.toString(fd);
        }
    }

    private static void closeQuietly(int fd, Throwable failure) {
        try {
            LibC.close(fd);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /** The spawner thread is stuck in a joined PID namespace. */
    static final class Stuck extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        Stuck(String message, ErrnoException cause) {
            super(message, cause);
        }
    }

    /** An {@link ErrnoException} with the reason appended: still the same errno, syscall and arguments. */
    private static final class Explained extends ErrnoException {
        private static final long serialVersionUID = 1L;

        Explained(ErrnoException e, String why) {
            super(e.errno(), e.syscall(), e.arguments(), e.getMessage() + ": " + why);
        }
    }
}
