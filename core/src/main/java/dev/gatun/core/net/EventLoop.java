package dev.gatun.core.net;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One platform thread with a {@link Selector} that runs everything a port forwarder does: accepts,
 * connects, copies, UDP datagrams and timers — the event loop socat and pasta use.
 *
 * <p>Why a platform thread and no virtual ones: a virtual thread that blocks in native code (a
 * {@code read(2)} through FFM, as {@code ContainerProcess}'s streams do) pins its carrier; with as
 * many such threads as the scheduler has carriers, no virtual thread runs at all. A forwarder that
 * accepted on virtual threads then left every client waiting (an {@code HttpClient} GET through
 * {@code publish} never returned while a JUnit harness followed two containers' output). One
 * thread per forwarder, whatever the number of connections.
 *
 * <p>Every registered channel carries a {@link Handler}; {@link #close} (or a failed selector)
 * closes every handler still registered, then the selector. {@link #execute} is the only method
 * for other threads; the rest is for code already on the loop.
 */
final class EventLoop implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);

    /** What a registered channel's key carries: called on the loop when the key is ready. */
    interface Handler {
        /** The key is ready; an exception closes the handler. */
        void ready(SelectionKey key) throws IOException;

        /** Releases the handler's channels; idempotent. */
        void close();
    }

    private record Timer(long due, long seq, Runnable task) { }

    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>((a, b) -> a.due != b.due
            ? Long.compare(a.due - b.due, 0) : Long.compare(a.seq, b.seq));
    private long timerSeq;
    private volatile boolean closed;

    EventLoop(String name) throws IOException {
        selector = Selector.open();
        thread = Thread.ofPlatform().daemon().name("gatun-publish-relay " + name).unstarted(this::loop);
        thread.start();
    }

    /** Runs {@code task} on the loop (from any thread); false when the loop is closed (not run). */
    boolean execute(Runnable task) {
        if (closed) {
            return false;
        }
        tasks.add(task);
        selector.wakeup();
        return true;
    }

    /** Registers {@code ch} (made non-blocking) with {@code ops} and {@code handler}. Loop thread only. */
    SelectionKey register(SelectableChannel ch, int ops, Handler handler) throws IOException {
        ch.configureBlocking(false);
        return ch.register(selector, ops, handler);
    }

    /** Runs {@code task} on the loop in {@code delayNanos} (or at close: never). Loop thread only. */
    void schedule(long delayNanos, Runnable task) {
        timers.add(new Timer(System.nanoTime() + delayNanos, timerSeq++, task));
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    private void loop() {
        try {
            while (!closed) {
                long wait = runDueTimers();
                if (wait < 0) {
                    selector.select();
                } else {
                    selector.select(Math.max(1, wait / 1_000_000));
                }
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    run(task);
                }
                for (SelectionKey k : selector.selectedKeys()) {
                    Handler h = (Handler) k.attachment();
                    try {
                        h.ready(k);
                    } catch (IOException | CancelledKeyException e) {
                        LOG.debug("publish: connection ended: {}", e.toString());
                        h.close();
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("publish: the forwarder's event loop failed; its connections are closed", e);
        } finally {
            closed = true;
            List<Handler> left = new ArrayList<>();
            for (SelectionKey k : selector.keys()) {
                left.add((Handler) k.attachment());
            }
            left.forEach(Handler::close);
            tasks.clear();
            timers.clear();
            try {
                selector.close();
            } catch (IOException e) {
                // nothing more to release
            }
        }
    }

    /** Runs the timers due now; the nanoseconds until the next (-1: none). */
    private long runDueTimers() {
        while (!timers.isEmpty()) {
            long left = timers.peek().due - System.nanoTime();
            if (left > 0) {
                return left;
            }
            run(timers.poll().task);
        }
        return -1;
    }

    private static void run(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.warn("publish: a forwarder task failed", e);
        }
    }

    /** Ends the loop, closing every registered handler, and waits for the thread. Idempotent. */
    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
