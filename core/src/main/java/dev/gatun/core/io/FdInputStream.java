package dev.gatun.core.io;

import dev.gatun.core.ErrnoException;
import dev.gatun.core.linux.LibC;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * An {@link InputStream} over a file descriptor this stream owns (a pipe's read end), read with
 * {@code read(2)} through the FFM binding. {@link #close()} closes the fd once.
 *
 * <p>Why not {@code FileInputStream}: the JDK offers no public way to wrap a raw fd number.
 * A read that would block runs on a platform thread when the caller is a virtual thread
 * ({@link Blocking}), so that readers never pin their carriers.
 * Thread-safe in the sense of {@code FileInputStream}: concurrent reads interleave.
 */
public final class FdInputStream extends InputStream {

    private static final int EIO = 5;

    private final int fd;
    // a pty master's read fails with EIO once no slave fd is open: that is its end of file
    private final boolean hangupIsEnd;
    private volatile boolean closed;

    /** Takes ownership of {@code fd}. */
    public FdInputStream(int fd) {
        this(fd, false);
    }

    /** Takes ownership of {@code fd}; with {@code hangupIsEnd}, EIO (a pty's hangup) reads as end of file. */
    FdInputStream(int fd, boolean hangupIsEnd) {
        this.fd = fd;
        this.hangupIsEnd = hangupIsEnd;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        if (len == 0) {
            return 0;
        }
        return Blocking.run(fd, LibC.POLLIN, () -> readNow(b, off, len));
    }

    private int readNow(byte[] b, int off, int len) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.min(len, 64 * 1024));
            long n;
            try {
                n = LibC.read(fd, buf);
            } catch (ErrnoException e) {
                if (hangupIsEnd && e.errno() == EIO) {
                    return -1;
                }
                throw e;
            }
            if (n == 0) {
                return -1;
            }
            MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, b, off, (int) n);
            return (int) n;
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (!closed) {
            closed = true;
            LibC.close(fd);
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("Stream closed");
        }
    }
}
