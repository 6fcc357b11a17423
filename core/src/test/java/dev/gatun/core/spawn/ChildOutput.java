package dev.gatun.core.spawn;

import dev.gatun.core.linux.LibC;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.io.ByteArrayOutputStream;

/** A pipe a test child writes its stdout and stderr to; the test reads it to EOF. Shared by the spawn, ns and rootfs tests. */
public final class ChildOutput implements AutoCloseable {

    /** The environment of {@link #busybox}. */
    public static final List<String> ENV = List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin");

    final int readEnd;
    final int writeEnd;
    private boolean writeClosed;
    private boolean readClosed;

    public ChildOutput() throws IOException {
        int[] p = LibC.pipe2(LibC.O_CLOEXEC);
        readEnd = p[0];
        writeEnd = p[1];
    }

    /** Steps that make the pipe the child's stdout and stderr. */
    public Program.Builder redirect(Program.Builder b) {
        return b.dup3(writeEnd, 1, 0).dup3(writeEnd, 2, 0);
    }

    /** Redirects output, then runs {@code script} with the host's static busybox. */
    public Program.Builder busybox(Program.Builder b, String script) {
        return redirect(b).closeRangeCloexec(3).unblockSignals()
                .execve("/bin/busybox", List.of("sh", "-c", script), ENV);
    }

    /** Closes our write end and reads everything the child wrote. */
    public String readAll() throws IOException {
        closeWriteEnd();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096);
            long n;
            while ((n = LibC.read(readEnd, buf)) > 0) {
                out.write(buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private void closeWriteEnd() throws IOException {
        if (!writeClosed) {
            writeClosed = true;
            LibC.close(writeEnd);
        }
    }

    @Override
    public void close() {
        if (readClosed) {
            return;
        }
        readClosed = true;
        try {
            closeWriteEnd();
            LibC.close(readEnd);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
