package dev.gatun.core.spawn;

import dev.gatun.core.linux.LibC;
import dev.gatun.core.linux.Structs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reaps every {@link SpawnedProcess} from one platform thread: an epoll set over all pidfds
 * (a pidfd becomes readable when its process exits), so there is neither a thread nor a poll loop
 * per process. The thread starts on first use and runs as a daemon for the JVM's lifetime.
 *
 * <p>It waits only for the pidfds it was given (never {@code waitpid(-1)}), so it never steals
 * the exit status of a process the JDK or anyone else started.
 *
 * <p>At JVM shutdown it leaves the kernel: HotSpot's exit waits at least 300 ms for every thread
 * that is in native code ({@code VM_Exit::wait_for_threads_in_native_to_block}), and a reaper
 * parked in {@code epoll_wait} (always: the resident sentinel, {@link Spawner#startResident}, is
 * watched for the JVM's whole life) made every JVM that had used Gatun exit a third of
 * a second late. A shutdown hook closes the write end of a wake pipe in the epoll set; from then
 * on the reaper polls without blocking and sleeps in Java between polls, so that it still reaps
 * what the other shutdown hooks kill (the containers' {@code ExitHook}) while the JVM finds no
 * thread of it in native code.
 */
final class Reaper implements Runnable {

    private static final int MAX_EVENTS = 64;
    /** How long the reaper sleeps between polls once the JVM is shutting down. */
    private static final long SHUTDOWN_POLL_MILLIS = 2;

    private final int epfd;
    private final int wakeRead;
    private final int wakeWrite;
    private volatile boolean shuttingDown;
    private final Map<Integer, SpawnedProcess> watched = new ConcurrentHashMap<>();

    private Reaper() throws IOException {
        epfd = LibC.epollCreate1(LibC.O_CLOEXEC);
        int[] wake = LibC.pipe2(LibC.O_CLOEXEC);
        wakeRead = wake[0];
        wakeWrite = wake[1];
        LibC.epollCtl(epfd, LibC.EPOLL_CTL_ADD, wakeRead, LibC.EPOLLIN);
    }

    /** The JVM's reaper. */
    static Reaper get() {
        return Holder.INSTANCE;
    }

    private static final class Holder {
        static final Reaper INSTANCE = start();

        private static Reaper start() {
            try {
                Reaper reaper = new Reaper();
                Thread.ofPlatform().name("gatun-reaper").daemon().start(reaper);
                try {
                    Runtime.getRuntime().addShutdownHook(
                            Thread.ofPlatform().name("gatun-reaper-shutdown").unstarted(reaper::wakeForShutdown));
                } catch (IllegalStateException e) {
                    reaper.shuttingDown = true; // started by a shutdown hook: poll from the start
                }
                return reaper;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the reaper", e);
            }
        }
    }

    /** Watches {@code process}: it is reaped, and its onExit completed, as soon as it exits. */
    void watch(SpawnedProcess process) throws IOException {
        int fd = process.watchedBy(epfd);
        watched.put(fd, process);
        try {
            LibC.epollCtl(epfd, LibC.EPOLL_CTL_ADD, fd, LibC.EPOLLIN);
        } catch (IOException e) {
            watched.remove(fd, process);
            throw e;
        }
    }

    /** Makes the reaper leave epoll_wait for good (the JVM is exiting): EOF on the wake pipe. */
    private void wakeForShutdown() {
        shuttingDown = true;
        try {
            LibC.close(wakeWrite);
        } catch (IOException e) {
            // close releases the fd whatever it reports
        }
    }

    /** Whether the JVM's shutdown has begun and the reaper polls (for tests). */
    boolean shuttingDown() {
        return shuttingDown;
    }

    /** How many processes are watched now (for tests). */
    int watchedCount() {
        return watched.size();
    }

    @Override
    public void run() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment events = arena.allocate(MAX_EVENTS * Structs.EPOLL_EVENT_SIZE, 8);
            while (true) {
                boolean polling = shuttingDown;
                int n = LibC.epollWait(epfd, events, polling ? 0 : -1);
                for (int i = 0; i < n; i++) {
                    int fd = Structs.epollEventFd(events, i);
                    SpawnedProcess process = watched.get(fd);
                    // remove before reaping closes the fd: once closed, a new spawn may get the
                    // same number, and its entry must survive
                    if (process != null && watched.remove(fd, process) && !process.tryReap()) {
                        watched.put(fd, process);
                    }
                }
                if (polling) {
                    sleepInJava();
                }
            }
        } catch (IOException e) {
            // epoll_wait on our own valid epoll fd cannot fail but for EINTR (retried): this is a bug
            throw new IllegalStateException("the gatun reaper stopped", e);
        }
    }

    private static void sleepInJava() {
        try {
            Thread.sleep(SHUTDOWN_POLL_MILLIS);
        } catch (InterruptedException e) {
            // nobody interrupts the reaper
        }
    }
}
