package dev.gatun.core.rootfs;

import dev.gatun.core.linux.LibC;
import dev.gatun.core.spawn.Program;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/** A pipe a test container writes its stdout and stderr to; the test reads it to EOF. */
final class ChildOutput implements AutoCloseable {

    private final int readEnd;
    private final int writeEnd;
    private boolean writeClosed;

    ChildOutput() throws IOException {
        int[] p = LibC.pipe2(LibC.O_CLOEXEC);
        readEnd = p[0];
        writeEnd = p[1];
    }

    /** Steps that make the pipe the child's stdout and stderr. */
    Program.Builder redirect(Program.Builder b) {
        return b.dup3(writeEnd, 1, 0).dup3(writeEnd, 2, 0);
    }

    /** Closes our write end and reads everything the child wrote. */
    String readAll() throws IOException {
        closeWriteEnd();
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

    private void closeWriteEnd() throws IOException {
        if (!writeClosed) {
            writeClosed = true;
            LibC.close(writeEnd);
        }
    }

    @Override
    public void close() {
        try {
            closeWriteEnd();
            LibC.close(readEnd);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
