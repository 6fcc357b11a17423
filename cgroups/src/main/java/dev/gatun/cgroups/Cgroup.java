package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A cgroup this library created, in every hierarchy it spans: the one v2 directory, or one
 * directory per v1 controller. Made by {@link Cgroups#create}; removed by {@link #delete()}.
 *
 * <p>The library writes only to cgroups it created (plus, on v2, the {@code cgroup.subtree_control}
 * of the parents, to enable controllers), and removes only those. Methods are safe to call from
 * several threads, but two concurrent {@link #apply} calls interleave their writes. Nothing here
 * prints or exits.
 *
 * @see <a href="https://docs.kernel.org/admin-guide/cgroup-v2.html">Control Group v2</a>
 */
public interface Cgroup {

    /** V2 or V1: which driver writes the files. */
    CgroupVersion version();

    /**
     * The directories of this cgroup: v2 maps {@code ""} to its one directory (open it for
     * {@code CLONE_INTO_CGROUP}); v1 maps each controller name ("memory", "pids", ...) to its
     * directory, and on a hybrid host {@code "unified"} to its leaf in the controller-less unified
     * hierarchy; a child writes "0" into each one's {@code cgroup.procs} before it unshares its
     * cgroup namespace. Iteration order is stable.
     */
    Map<String, Path> directories();

    /**
     * Writes {@code resources} (a live update when processes are inside); unset fields are left
     * alone. A limit this host cannot enforce fails with {@link UnsupportedLimitException} unless
     * the cgroup was created with {@link OnUnsupported#DROP}.
     */
    void apply(Resources resources) throws IOException;

    /** The limits dropped under {@link OnUnsupported#DROP}, one line each ("limit: file (why)"). */
    List<String> droppedLimits();

    /** Moves process {@code pid} (all its threads) into this cgroup, in every hierarchy. */
    void addProcess(long pid) throws IOException;

    /** The pids now in this cgroup (not its children), sorted. */
    List<Long> processes() throws IOException;

    /** Freezes every process inside and returns once the kernel reports them frozen. */
    void freeze() throws IOException;

    /** Thaws what {@link #freeze()} froze. */
    void thaw() throws IOException;

    /**
     * Sends SIGKILL to every process inside and returns once the cgroup is empty: v2 writes
     * {@code cgroup.kill}; v1 freezes, signals every pid, thaws (so none can fork away meanwhile).
     */
    void killAll() throws IOException;

    /** Usage counters: memory, CPU, pids, io, pressure. */
    CgroupStats stats() throws IOException;

    /** The current event counters and states (populated, frozen, OOM, OOM kills, fork refusals). */
    CgroupEvents events() throws IOException;

    /**
     * Calls {@code listener} from a daemon thread whenever {@link #events()} changes, until the
     * returned handle is closed. Mechanism: <b>polling</b> every {@code interval}, not inotify — it
     * behaves the same on v1 (where {@code memory.oom_control} only offers eventfd notification)
     * and on v2, and costs a few small reads per interval. A change shorter than the interval that
     * returns to the old state is missed for states (populated, frozen), never for counters.
     */
    default EventWatch watch(Duration interval, CgroupEventListener listener) throws IOException {
        return EventWatch.start(this, interval, listener);
    }

    /**
     * Removes this cgroup's directories (v1: in every hierarchy), and the parents this library
     * created for it, deepest first. The cgroup must be empty: call {@link #killAll()} first.
     *
     * @throws IllegalStateException when processes are still inside
     */
    void delete() throws IOException;

    /**
     * {@link #killAll()} then {@link #delete()}, the delete even when the kill fails (an empty
     * cgroup goes all the same). The usual case, a cgroup whose processes have all exited, costs
     * one rmdir per directory and nothing else: an rmdir of a cgroup that holds a process or a
     * child cgroup is EBUSY, so once every one succeeded there was nothing left to kill.
     */
    default void destroy() throws IOException {
        try {
            killAll();
        } finally {
            delete();
        }
    }
}
