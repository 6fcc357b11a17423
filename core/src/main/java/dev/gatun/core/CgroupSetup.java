package dev.gatun.core;

import dev.gatun.cgroups.Cgroup;
import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Makes a container's v1 cgroup on another thread while its creator plans: on a v1 or hybrid host
 * a cgroup is a directory and a few writes in every hierarchy (some 2 ms of a container's create
 * on a 2-core host), and the plan needs only the directories' names, known before they exist
 * ({@link dev.gatun.cgroups.Cgroups#v1Directories}). The child is cloned after both are done.
 *
 * <p>One thread at most, made on first use and gone after 30 s idle (a daemon, nothing to stop
 * at exit). While it is busy (containers created on several threads at once) the caller makes its
 * own cgroup, as without it: no queue, no thread per container.
 */
final class CgroupSetup {

    private static final ThreadPoolExecutor EXECUTOR = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "gatun-cgroup-setup");
                t.setDaemon(true);
                return t;
            });

    private CgroupSetup() {}

    /** {@code make} started on the setup thread, or run now on this one when that is busy. */
    static Future<Cgroup> start(Callable<Cgroup> make) {
        FutureTask<Cgroup> task = new FutureTask<>(make);
        try {
            EXECUTOR.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
        return task;
    }

    /**
     * The cgroup {@code pending} made; its failure as it was thrown. Waits uninterruptibly: the
     * cgroup may be half made, and only the end of its making says what there is to remove.
     */
    static Cgroup await(Future<Cgroup> pending) throws IOException {
        return dev.gatun.core.io.Uninterruptible.get(pending);
    }
}
