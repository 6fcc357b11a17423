package dev.gatun.core.spawn;

import dev.gatun.core.linux.LibC;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Keeps the JVM as dumpable as it was before its spawns. A child shares the JVM's memory
 * ({@code CLONE_VM}) until it execs; when its program switches to the container's user
 * ({@code setresuid}), the kernel marks that shared memory non-dumpable ({@code suid_dumpable},
 * normally 0) — and the JVM stays so after the child has exec'd: no core dump, its
 * {@code /proc/<pid>} files owned by root, no {@code jcmd}/{@code jstack} attach for a JVM that does
 * not run as root. A separate runtime process (runc's {@code runc init}) never meets this.
 *
 * <p>So the spawner counts the children that share the memory and, when the last one lets go of
 * it (exec or death), puts back the flag the JVM had when the spawner started. Never earlier:
 * while a child under another uid shares a dumpable memory, that uid could {@code ptrace} the
 * child and read or write the JVM. Thread-safe.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/PR_SET_DUMPABLE.2const.html">PR_SET_DUMPABLE</a>
 */
final class Dumpable {

    private static final int PR_GET_DUMPABLE = 3;
    private static final int PR_SET_DUMPABLE = 4;

    private final long original;
    private int sharing;

    Dumpable() {
        try {
            original = LibC.prctl(PR_GET_DUMPABLE, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("prctl(PR_GET_DUMPABLE)", e);
        }
    }

    /** A child is about to be cloned with the JVM's memory. */
    synchronized void childShares() {
        sharing++;
    }

    /**
     * A child is about to be cloned with the JVM's memory into a PID namespace where other,
     * untrusted processes live (a joined PID namespace, or one the program forks into). Until it
     * execs, that child <em>is</em> the JVM's memory and shows the JVM's binary as
     * {@code /proc/<pid>/exe}: a process of that namespace could open {@code /proc/<pid>/mem} and
     * write the JVM's memory, or reopen the exe and overwrite the JVM's binary (the CVE-2019-5736
     * class). The memory is made non-dumpable <em>before</em> the clone, so there is no moment in
     * which the child is visible and open to ptrace access: the kernel then refuses those opens to
     * anyone without {@code CAP_SYS_PTRACE} over the JVM's user namespace. Restored, as after a
     * uid change, when the last sharing child has exec'd or died.
     */
    synchronized void childSharesWithStrangers() {
        sharing++;
        try {
            LibC.prctl(PR_SET_DUMPABLE, 0);
        } catch (IOException e) {
            sharing--;
            throw new UncheckedIOException("prctl(PR_SET_DUMPABLE, 0)", e);
        }
    }

    /** A child that shared the memory has exec'd or died; call once per {@link #childShares()}. */
    synchronized void childReleased() {
        if (--sharing > 0 || original != 1) {
            return;
        }
        try {
            if (LibC.prctl(PR_GET_DUMPABLE, 0) != original) {
                LibC.prctl(PR_SET_DUMPABLE, original);
            }
        } catch (IOException e) {
            // both calls only fail for a bad option; nothing to undo, and the spawn itself succeeded
            throw new UncheckedIOException("prctl(PR_SET_DUMPABLE, " + original + ")", e);
        }
    }

    /** How many children share the memory now (for tests). */
    synchronized int sharing() {
        return sharing;
    }
}
