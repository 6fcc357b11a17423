package dev.gatun.core.spawn;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.gatun.core.linux.Arch;
import dev.gatun.core.linux.LibC;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The installed executor: its machine code in an executable mapping, and the downcall that runs
 * {@code long gatun_spawn(struct ctx *)}. The offsets below mirror the header of
 * {@code core/src/main/asm/executor_x86_64.S}.
 *
 * <p>The code is written into a memfd and mapped {@code PROT_READ|PROT_EXEC} from it: no mapping
 * is ever writable and executable, and on aarch64 the kernel makes the instruction cache coherent
 * when it maps the file's pages executable (the path every freshly written shared library takes),
 * so no explicit cache maintenance is needed. The mapping lives as long as the JVM.
 *
 * <p>The downcall is deliberately not {@link Linker.Option#critical critical}: with
 * {@code CLONE_VFORK} the calling thread waits in the kernel until the child execs, and it must be
 * in native state meanwhile so that safepoints and GC proceed.
 */
final class Executor {

    /** Size of struct ctx. */
    static final long CTX_SIZE = 112;
    /** ctx: the clone syscall number; its six arguments follow at +8. */
    static final long CTX_CLONE_NR = 0;
    /** ctx: the first clone argument. */
    static final long CTX_CLONE_ARGS = 8;
    /** ctx: the steps pointer. */
    static final long CTX_STEPS = 56;
    /** ctx: the number of steps. */
    static final long CTX_NSTEPS = 64;
    /** ctx: the error-report fd, -1 for none. */
    static final long CTX_ERR_FD = 72;
    /** ctx: the signal mask held while cloning. */
    static final long CTX_MASK = 80;
    /** ctx: OUT the failing step's index (u32, pre-set to -1); the 16-byte record starts here. */
    static final long CTX_FAILED_STEP = 88;
    /** ctx: OUT the failing step's errno (u32). */
    static final long CTX_ERRNO = 92;
    /** ctx: OUT the failing step's raw result (i64). */
    static final long CTX_RESULT = 96;
    /** Size of the failure record the child writes to the error fd. */
    static final int RECORD_SIZE = 16;

    /** Size of struct step. */
    static final long STEP_SIZE = 96;
    /** step: the allowed errno. */
    static final long STEP_ALLOWED = 56;
    /** step: the result slot address. */
    static final long STEP_RESULT = 64;
    /** step: the indirect-argument mask. */
    static final long STEP_INDIRECT = 72;
    /** step: the expected result. */
    static final long STEP_EXPECTED = 80;
    /** step: the flags. */
    static final long STEP_FLAGS = 88;
    /** step flag: the result must equal the expected value. */
    static final long FLAG_EXPECT = 1;
    /** step flag: the fork step (the caller exits 0 after a positive result). */
    static final long FLAG_PARENT_EXITS = 2;

    private static final Installed HOLDER = new Installed();

    private Executor() {}

    /** Runs {@code gatun_spawn(ctx)}: returns the clone's result, a pid or -errno. */
    static long spawn(MemorySegment ctx) {
        try {
            return (long) HOLDER.handle.invokeExact(ctx);
        } catch (Throwable t) {
            throw new AssertionError("executor downcall threw", t);
        }
    }

    /** Installs the code on first use; lazily, so that merely loading this class maps nothing. */
    private static final class Installed {
        final MethodHandle handle;

        Installed() {
            try {
                MemorySegment code = install(ExecutorCode.of(Arch.current()));
                handle = Linker.nativeLinker().downcallHandle(code, FunctionDescriptor.of(JAVA_LONG, ADDRESS));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot install the spawn executor", e);
            }
        }
    }

    private static MemorySegment install(byte[] code) throws IOException {
        int fd = LibC.memfdCreate("gatun-executor", 1 /* MFD_CLOEXEC */);
        try {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment bytes = arena.allocate(code.length);
                bytes.copyFrom(MemorySegment.ofArray(code));
                long written = LibC.write(fd, bytes);
                if (written != code.length) {
                    throw new IOException("short write of the executor to its memfd: " + written + " of " + code.length);
                }
            }
            return LibC.mmap(code.length, LibC.PROT_READ | LibC.PROT_EXEC, LibC.MAP_PRIVATE, fd);
        } finally {
            LibC.close(fd);
        }
    }
}
