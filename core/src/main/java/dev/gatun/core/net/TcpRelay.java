package dev.gatun.core.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies bytes between pairs of connected TCP sockets, both ways, on one platform thread with a
 * {@link Selector}: the event loop socat and pasta use, so that a byte crossing the relay costs
 * one thread wake-up (a blocking copy on virtual threads costs two: the poller's and the carrier's,
 * about 40 µs more per round trip on a loaded machine, measured by {@code bench/publish.sh}).
 *
 * <p>Per direction a buffer of {@value #BUFFER} bytes: the relay reads from a socket only while
 * that direction's buffer is empty, and asks to write while it is not, so a slow reader stops its
 * writer through the socket buffers (backpressure) and memory stays bounded per connection. A
 * direction whose source reaches end of stream, its buffer written, shuts down the other
 * socket's output (half-close); a pair whose two directions ended, or that fails either way, is
 * closed and its {@code onClose} runs (on the relay thread). Thread-safe: {@link #add} from any
 * thread.
 */
final class TcpRelay implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TcpRelay.class);
    static final int BUFFER = 128 * 1024;

    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Pair> incoming = new ConcurrentLinkedQueue<>();
    private final Set<Pair> pairs = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    TcpRelay(String name) throws IOException {
        selector = Selector.open();
        thread = Thread.ofPlatform().daemon().name("gatun-publish-relay " + name).unstarted(this::loop);
        thread.start();
    }

    /** Starts relaying between {@code a} and {@code b} (both connected); {@code onClose} runs once both are closed. */
    void add(SocketChannel a, SocketChannel b, Runnable onClose) throws IOException {
        Pair p = new Pair(a, b, onClose);
        if (closed) {
            p.close();
            return;
        }
        a.configureBlocking(false);
        b.configureBlocking(false);
        pairs.add(p);
        incoming.add(p);
        selector.wakeup();
        if (closed) {
            p.close(); // close() may have run between the check and the add
        }
    }

    private void loop() {
        try {
            while (!closed) {
                selector.select();
                Pair p;
                while ((p = incoming.poll()) != null) {
                    p.register();
                }
                for (SelectionKey k : selector.selectedKeys()) {
                    Pair pair = (Pair) k.attachment();
                    try {
                        pair.ready();
                    } catch (IOException | CancelledKeyException e) {
                        LOG.debug("publish: connection ended: {}", e.toString());
                        pair.close();
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            LOG.warn("publish: the relay's selector failed; its connections are closed", e);
        } finally {
            for (Pair p : List.copyOf(pairs)) {
                p.close();
            }
            try {
                selector.close();
            } catch (IOException e) {
                // nothing more to release
            }
        }
    }

    /** How many pairs are relayed now. */
    int size() {
        return pairs.size();
    }

    /** Closes every pair and ends the thread, waiting for it. */
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
        for (Pair p : List.copyOf(pairs)) {
            p.close(); // added after the loop's last look
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** One direction: bytes read from {@code from}, waiting in {@code buf} to be written to {@code to}. */
    private static final class Direction {
        final SocketChannel from;
        final SocketChannel to;
        final ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER).flip(); // empty, in "drain" mode
        boolean ended;

        Direction(SocketChannel from, SocketChannel to) {
            this.from = from;
            this.to = to;
        }

        /** Reads what {@code from} has and writes what {@code to} takes; false at the end of this direction. */
        void pump() throws IOException {
            while (!ended) {
                if (buf.hasRemaining()) {
                    to.write(buf);
                    if (buf.hasRemaining()) {
                        return; // to is full: wait for OP_WRITE
                    }
                }
                buf.clear();
                int n = from.read(buf);
                buf.flip();
                if (n < 0) {
                    ended = true;
                    to.shutdownOutput();
                } else if (n == 0) {
                    return; // wait for OP_READ
                }
            }
        }
    }

    private final class Pair {
        final SocketChannel a;
        final SocketChannel b;
        final Direction ab;
        final Direction ba;
        final Runnable onClose;
        SelectionKey keyA;
        SelectionKey keyB;
        boolean done;

        Pair(SocketChannel a, SocketChannel b, Runnable onClose) {
            this.a = a;
            this.b = b;
            this.ab = new Direction(a, b);
            this.ba = new Direction(b, a);
            this.onClose = onClose;
        }

        void register() {
            try {
                keyA = a.register(selector, 0, this);
                keyB = b.register(selector, 0, this);
                ab.pump();
                ba.pump();
                update();
            } catch (IOException | CancelledKeyException e) {
                close();
            }
        }

        void ready() throws IOException {
            // whichever side is ready, both directions may move: pump both (each stops when it would block)
            ab.pump();
            ba.pump();
            update();
        }

        /** Interest: read a side while its direction's buffer is empty, write a side while the other direction's is not. */
        private void update() {
            if (ab.ended && ba.ended) {
                close();
                return;
            }
            keyA.interestOps(interest(ab, ba));
            keyB.interestOps(interest(ba, ab));
        }

        private int interest(Direction fromThis, Direction toThis) {
            int ops = 0;
            if (!fromThis.ended && !fromThis.buf.hasRemaining()) {
                ops |= SelectionKey.OP_READ;
            }
            if (toThis.buf.hasRemaining()) {
                ops |= SelectionKey.OP_WRITE;
            }
            return ops;
        }

        synchronized void close() {
            if (done) {
                return;
            }
            done = true;
            pairs.remove(this);
            for (SocketChannel c : List.of(a, b)) {
                try {
                    c.close();
                } catch (IOException e) {
                    // closed as far as it can be
                }
            }
            onClose.run();
        }
    }
}
