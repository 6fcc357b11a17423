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
 */
final class Reaper implements Runnable {

    private static final int MAX_EVENTS = 64;

    private final int epfd;
    private final Map<Integer, SpawnedProcess> watched = new ConcurrentHashMap<>();

    private Reaper() throws IOException {
        epfd = LibC.epollCreate1(LibC.O_CLOEXEC);
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

    /** How many processes are watched now (for tests). */
    int watchedCount() {
        return watched.size();
    }

    @Override
    public void run() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment events = arena.allocate(MAX_EVENTS * Structs.EPOLL_EVENT_SIZE, 8);
            while (true) {
                int n = LibC.epollWait(epfd, events, -1);
                for (int i = 0; i < n; i++) {
                    int fd = Structs.epollEventFd(events, i);
                    SpawnedProcess process = watched.get(fd);
                    // remove before reaping closes the fd: once closed, a new spawn may get the
                    // same number, and its entry must survive
                    if (process != null && watched.remove(fd, process) && !process.tryReap()) {
                        watched.put(fd, process);
                    }
                }
            }
        } catch (IOException e) {
            // epoll_wait on our own valid epoll fd cannot fail but for EINTR (retried): this is a bug
            throw new IllegalStateException("the gatun reaper stopped", e);
        }
    }
}
