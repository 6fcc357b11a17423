package dev.gatun.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A shutdown hook that kills and deletes this JVM's live containers when the JVM exits in order
 * ({@code System.exit}, the end of {@code main}, SIGTERM) without their {@code close()}. The
 * sentinel kills the processes of a JVM that dies in any way, but leaves the state for a later
 * sweep; an orderly exit can leave nothing.
 *
 * <p>Bounded: each container is destroyed on its own thread, and the hook gives up after
 * {@value #TIMEOUT_SECONDS} s in all (a container whose delete hangs, or whose lock a thread
 * stopped by the exit holds); what is left then is the sentinel's and the next sweep's. Installed
 * with the first container.
 */
final class ExitHook {

    private static final Logger LOG = LoggerFactory.getLogger(ExitHook.class);
    static final long TIMEOUT_SECONDS = 15;

    private static final Set<Container> LIVE = ConcurrentHashMap.newKeySet();
    private static volatile boolean installed;

    private ExitHook() {}

    /** {@code c} was created: destroy it at exit unless it is deleted before. */
    static void register(Container c) {
        if (!installed) {
            install();
        }
        LIVE.add(c);
    }

    /** {@code c} was deleted. */
    static void unregister(Container c) {
        LIVE.remove(c);
    }

    /** Runs {@code last} at exit after every container is deleted (or given up on): what they shared. */
    static void atExitAfterContainers(Runnable last) {
        if (!installed) {
            install();
        }
        LAST.add(last);
    }

    private static final List<Runnable> LAST = new java.util.concurrent.CopyOnWriteArrayList<>();

    private static synchronized void install() {
        if (!installed) {
            Runtime.getRuntime().addShutdownHook(new Thread(ExitHook::run, "gatun-exit"));
            installed = true;
        }
    }

    private static void run() {
        List<Thread> threads = new ArrayList<>();
        for (Container c : List.copyOf(LIVE)) {
            Thread t = Thread.ofPlatform().daemon().name("gatun-exit-" + c.id()).start(() -> {
                try {
                    c.destroyAtExit();
                } catch (Exception e) {
                    LOG.warn("at exit: container {} was not deleted: {}", c.id(), e.toString());
                }
            });
            threads.add(t);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        for (Thread t : threads) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !t.join(java.time.Duration.ofNanos(left))) {
                    LOG.warn("at exit: {} did not finish within {} s; the sentinel and the next sweep take the rest",
                            t.getName(), TIMEOUT_SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        for (Runnable r : LAST) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.warn("at exit: {}", e.toString());
            }
        }
    }
}
