package dev.gatun.core.io;

import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A {@code read(2)} or {@code write(2)} that may block, made safe for virtual threads. An FFM
 * downcall that blocks pins a virtual thread's carrier, and the JDK does not compensate for it as
 * it does for its own file I/O: as many blocked readers as carriers (two on a 2-CPU machine, a
 * log pump per container) stop every other virtual thread of the JVM. So on a virtual thread a
 * call whose fd is not ready ({@code ppoll} with a zero timeout) runs on a platform thread of a
 * small cached pool while the virtual thread waits for it, its carrier free; a ready fd, and every
 * platform thread, make the call directly.
 *
 * <p>The pool's threads are daemons, made as needed and gone after a minute unused.
 */
final class Blocking {

    /** A call on an fd. */
    @FunctionalInterface
    interface Call {
        int run() throws IOException;
    }

    private static final ExecutorService POOL = Executors.newCachedThreadPool(
            r -> Thread.ofPlatform().name("gatun-blocking-io-", 0).daemon().unstarted(r));

    private Blocking() {}

    /** Runs {@code call} on {@code fd}, which may block until {@code events} (POLLIN or POLLOUT). */
    static int run(int fd, short events, Call call) throws IOException {
        if (!Thread.currentThread().isVirtual() || dev.gatun.core.linux.LibC.readyNow(fd, events)) {
            return call.run();
        }
        return offload(call);
    }

    /** Runs {@code call}, which may block whatever poll says (a large write): off a virtual thread's carrier. */
    static int runAway(Call call) throws IOException {
        return Thread.currentThread().isVirtual() ? offload(call) : call.run();
    }

    private static int offload(Call call) throws IOException {
        // as FileInputStream on a virtual thread: the call is not interruptible; the flag is kept
        return Uninterruptible.get(POOL.submit(call::run));
    }
}
