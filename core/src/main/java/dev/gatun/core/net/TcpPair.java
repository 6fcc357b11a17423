package dev.gatun.core.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.List;

/**
 * Two connected TCP sockets whose bytes the {@link EventLoop} copies both ways: a wake-up per
 * readiness, no thread of their own.
 *
 * <p>Per direction a buffer of {@value #BUFFER} bytes: a side is read only while that direction's
 * buffer is empty, and written while it is not, so a slow reader stops its writer through the
 * socket buffers (backpressure) and memory stays bounded per connection. A direction whose source
 * reaches end of stream, its buffer written, shuts down the other socket's output (half-close); a
 * pair whose two directions ended, or that fails either way, is closed and its {@code onClose}
 * runs. Loop thread only.
 */
final class TcpPair implements EventLoop.Handler {

    static final int BUFFER = 128 * 1024;

    private final SocketChannel a;
    private final SocketChannel b;
    private final Direction ab;
    private final Direction ba;
    private final Runnable onClose;
    private SelectionKey keyA;
    private SelectionKey keyB;
    private boolean done;

    private TcpPair(SocketChannel a, SocketChannel b, Runnable onClose) {
        this.a = a;
        this.b = b;
        this.ab = new Direction(a, b);
        this.ba = new Direction(b, a);
        this.onClose = onClose;
    }

    /** Starts copying between {@code a} and {@code b} (both connected); {@code onClose} runs once both are closed. */
    static void start(EventLoop loop, SocketChannel a, SocketChannel b, Runnable onClose) {
        TcpPair p = new TcpPair(a, b, onClose);
        try {
            p.keyA = loop.register(a, 0, p);
            p.keyB = loop.register(b, 0, p);
            p.ready(null);
        } catch (IOException | RuntimeException e) {
            p.close();
        }
    }

    @Override
    public void ready(SelectionKey key) throws IOException {
        // whichever side is ready, both directions may move: pump both (each stops when it would block)
        ab.pump();
        ba.pump();
        if (ab.ended && ba.ended) {
            close();
            return;
        }
        keyA.interestOps(interest(ab, ba));
        keyB.interestOps(interest(ba, ab));
    }

    /** Interest: read a side while its direction's buffer is empty, write a side while the other direction's is not. */
    private static int interest(Direction fromThis, Direction toThis) {
        int ops = 0;
        if (!fromThis.ended && !fromThis.buf.hasRemaining()) {
            ops |= SelectionKey.OP_READ;
        }
        if (toThis.buf.hasRemaining()) {
            ops |= SelectionKey.OP_WRITE;
        }
        return ops;
    }

    @Override
    public void close() {
        if (done) {
            return;
        }
        done = true;
        for (SocketChannel c : List.of(a, b)) {
            try {
                c.close();
            } catch (IOException e) {
                // closed as far as it can be
            }
        }
        onClose.run();
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

        /** Reads what {@code from} has and writes what {@code to} takes, until one would block or the end. */
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
}
