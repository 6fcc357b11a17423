package dev.gatun.cgroups;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A running {@link Cgroup#watch}: a daemon thread that polls {@link Cgroup#events()} and calls the
 * listener on each change. {@link #close()} stops it and waits for the thread. Thread-safe.
 */
public final class EventWatch implements AutoCloseable {

    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean closed;

    private EventWatch(Cgroup cgroup, Duration interval, CgroupEventListener listener, CgroupEvents first) {
        long millis = Math.max(1, interval.toMillis());
        thread = Thread.ofPlatform().daemon().name("gatun-cgroup-events").unstarted(() -> {
            CgroupEvents previous = first;
            while (!closed) {
                try {
                    Thread.sleep(millis);
                    CgroupEvents current = cgroup.events();
                    if (!current.equals(previous)) {
                        listener.changed(previous, current);
                        previous = current;
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (IOException | RuntimeException e) {
                    // the cgroup was deleted or the listener failed: the watch ends, the cause is kept
                    failure.set(e);
                    return;
                }
            }
        });
    }

    static EventWatch start(Cgroup cgroup, Duration interval, CgroupEventListener listener) throws IOException {
        Objects.requireNonNull(listener, "listener");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval: must be positive, was " + interval);
        }
        EventWatch watch = new EventWatch(cgroup, interval, listener, cgroup.events());
        watch.thread.start();
        return watch;
    }

    /** Why the watch ended on its own (the cgroup vanished, the listener threw), if it did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure.get());
    }

    /** Stops polling; returns once the thread has ended. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
