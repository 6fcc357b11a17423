package dev.gatun.core.ns;

import dev.gatun.core.linux.LibC;
import dev.gatun.core.spawn.Program;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A pipe a test child writes its stdout and stderr to; the test reads it to EOF. */
final class ChildOutput implements AutoCloseable {

    static final List<String> ENV = List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin");

    private final int readEnd;
    private final int writeEnd;
    private boolean writeClosed;
    private boolean closed;

    ChildOutput() throws IOException {
        int[] p = LibC.pipe2(LibC.O_CLOEXEC);
        readEnd = p[0];
        writeEnd = p[1];
    }

    /** Steps that make the pipe the child's stdout and stderr. */
    Program.Builder redirect(Program.Builder b) {
        return b.dup3(writeEnd, 1, 0).dup3(writeEnd, 2, 0);
    }

    /** Redirects output, then runs {@code script} with the host's static busybox. */
    Program.Builder busybox(Program.Builder b, String script) {
        return redirect(b).closeRangeCloexec(3).unblockSignals()
                .execve("/bin/busybox", List.of("sh", "-c", script), ENV);
    }

    /** Closes our write end and reads everything the child wrote. */
    String readAll() throws IOException {
        if (!writeClosed) {
            writeClosed = true;
            LibC.close(writeEnd);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096);
            long n;
            while ((n = LibC.read(readEnd, buf)) > 0) {
                out.write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!writeClosed) {
                writeClosed = true;
                LibC.close(writeEnd);
            }
            LibC.close(readEnd);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
