package dev.gatun.core.io;

import dev.gatun.core.linux.LibC;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * An {@link OutputStream} over a file descriptor this stream owns (a pipe's write end), written
 * with {@code write(2)} until every byte is out. {@link #close()} closes the fd once, which is
 * how the reader sees end of file. Unbuffered: wrap it for many small writes. A write to a full
 * pipe runs on a platform thread when the caller is a virtual thread ({@link Blocking}).
 */
public final class FdOutputStream extends OutputStream {

    private static final int PIPE_BUF = 4096;

    private final int fd;
    private volatile boolean closed;

    /** Takes ownership of {@code fd}. */
    public FdOutputStream(int fd) {
        this.fd = fd;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (closed) {
            throw new IOException("Stream closed");
        }
        if (len <= PIPE_BUF) {
            // POLLOUT on a pipe means room for PIPE_BUF bytes: a write this small does not block then
            Blocking.run(fd, LibC.POLLOUT, () -> {
                writeAll(b, off, len);
                return len;
            });
        } else {
            Blocking.runAway(() -> {
                writeAll(b, off, len);
                return len;
            });
        }
    }

    private void writeAll(byte[] b, int off, int len) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, len));
            MemorySegment.copy(b, off, buf, ValueLayout.JAVA_BYTE, 0, len);
            long done = 0;
            while (done < len) {
                done += LibC.write(fd, buf.asSlice(done, len - done));
            }
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (!closed) {
            closed = true;
            LibC.close(fd);
        }
    }
}
